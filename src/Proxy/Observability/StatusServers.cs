using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Observability;

/// <summary>
/// The two status listeners upstream has: metrics (/metrics, /healthz answering a plain "ok", /proxyMode, /configz,
/// /flagz) on --metrics-bind-address and health (/healthz and /livez with their JSON bodies) on
/// --healthz-bind-address. An empty address turns that listener off; both on one address share a listener, where the
/// health server's /healthz is the one served. An address that cannot be listened on is retried every 5 s, as
/// upstream does, unless bindAddressHardFail asks for an exit.
/// </summary>
public sealed partial class StatusServers : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly List<StatusServer> servers = [];
    private readonly CancellationTokenSource stop = new();

    /// <exception cref="HttpListenerException">An address cannot be listened on and bindAddressHardFail is set.</exception>
    public void Start(ProxyOptions options, ProxyMetrics metrics, ProxierHealth health, ILogger logger)
    {
        var byAddress = new Dictionary<string, Dictionary<string, Func<Task<StatusServer.Response>>>>(StringComparer.Ordinal);
        void Add(string address, string path, Func<Task<StatusServer.Response>> route)
        {
            if (address.Length > 0)
            {
                (byAddress.TryGetValue(address, out var routes) ? routes : byAddress[address] = new(StringComparer.Ordinal))[path] = route;
            }
        }
        const string Text = "text/plain; charset=utf-8";

        var metricsAddress = options.Config.MetricsBindAddress;
        Add(metricsAddress, "/metrics", async () =>
        {
            using var buffer = new MemoryStream();
            await metrics.ExportAsync(buffer, stop.Token).ConfigureAwait(false);
            return new StatusServer.Response(200, "text/plain; version=0.0.4; charset=utf-8", buffer.ToArray());
        });
        // component-base's healthz.InstallHandler with no checks: the process answers, nothing more.
        Add(metricsAddress, "/healthz", () => Task.FromResult(StatusServer.Response.Text(200, Text, "ok")));
        Add(metricsAddress, "/proxyMode", () => Task.FromResult(StatusServer.Response.Text(200, Text, options.ProxyMode)));
        Add(metricsAddress, "/configz", () => Task.FromResult(StatusServer.Response.Text(200, "application/json", Configz(options.Config))));
        Add(metricsAddress, "/flagz", () => Task.FromResult(StatusServer.Response.Text(200, Text, FlagDocs.Flagz(options))));
        Add(options.Config.HealthzBindAddress, "/healthz", () => Task.FromResult(Health(health, metrics, includeNode: true)));
        Add(options.Config.HealthzBindAddress, "/livez", () => Task.FromResult(Health(health, metrics, includeNode: false)));

        foreach (var (address, routes) in byAddress)
        {
            var server = new StatusServer(address, routes, logger);
            try
            {
                server.Start();
                lock (servers)
                {
                    servers.Add(server);
                }
            }
            catch (HttpListenerException e) when (!options.Config.BindAddressHardFail)
            {
                server.Dispose();
                LogRetrying(logger, address, e.Message, RetryInterval.TotalSeconds);
                _ = RetryAsync(address, routes, logger);
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        lock (servers)
        {
            foreach (var server in servers)
            {
                server.Dispose();
            }
        }
        stop.Dispose();
    }

    private async Task RetryAsync(string address, IReadOnlyDictionary<string, Func<Task<StatusServer.Response>>> routes, ILogger logger)
    {
        while (true)
        {
            try
            {
                await Task.Delay(RetryInterval, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var server = new StatusServer(address, routes, logger);
            try
            {
                server.Start();
            }
            catch (HttpListenerException)
            {
                server.Dispose();
                continue;
            }
            lock (servers)
            {
                if (stop.IsCancellationRequested)
                {
                    server.Dispose();
                    return;
                }
                servers.Add(server);
            }
            LogListening(logger, address);
            return;
        }
    }

    private static StatusServer.Response Health(ProxierHealth health, ProxyMetrics metrics, bool includeNode)
    {
        var (healthy, body) = health.Report(includeNode);
        var code = healthy ? 200 : 503;
        metrics.Publish(() => (includeNode ? metrics.HealthzTotal : metrics.LivezTotal).WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc());
        return StatusServer.Response.Text(code, "application/json", body);
    }

    private static readonly JsonSerializerOptions ConfigzJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new DurationJsonConverter() },
    };

    /// <summary>upstream's /configz: the configuration under its group name, as JSON.</summary>
    private static string Configz(KubeProxyConfiguration configuration) =>
        new JsonObject { ["kubeproxy.config.k8s.io"] = JsonSerializer.SerializeToNode(configuration, ConfigzJson) }.ToJsonString();

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Cannot listen on {Address}: {Reason}; retrying every {Seconds} s (bindAddressHardFail would exit instead)")]
    private static partial void LogRetrying(ILogger logger, string address, string reason, double seconds);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Listening on {Address} now")]
    private static partial void LogListening(ILogger logger, string address);

    /// <summary>Durations as upstream's JSON writes them: Go strings such as "30s".</summary>
    private sealed class DurationJsonConverter : System.Text.Json.Serialization.JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            GoDuration.TryParse(reader.GetString() ?? "", out var d) ? d : throw new JsonException("not a duration");

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteStringValue(GoDurationFormat.Format(value));
    }
}
