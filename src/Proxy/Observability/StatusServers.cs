using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Observability;

/// <summary>
/// The two status listeners upstream has: metrics (/metrics, /proxyMode, /configz) on --metrics-bind-address and
/// health (/healthz, /livez) on --healthz-bind-address. An empty address turns that listener off; both on one
/// address share a listener.
/// </summary>
public sealed class StatusServers : IDisposable
{
    private readonly List<StatusServer> servers = [];

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

        var metricsAddress = options.Config.MetricsBindAddress;
        Add(metricsAddress, "/metrics", async () =>
        {
            using var buffer = new MemoryStream();
            await metrics.Registry.CollectAndExportAsTextAsync(buffer).ConfigureAwait(false);
            return new StatusServer.Response(200, "text/plain; version=0.0.4; charset=utf-8", buffer.ToArray());
        });
        Add(metricsAddress, "/proxyMode", () => Task.FromResult(StatusServer.Response.Text(200, "text/plain; charset=utf-8", options.ProxyMode)));
        Add(metricsAddress, "/configz", () => Task.FromResult(StatusServer.Response.Text(200, "application/json", Configz(options.Config))));
        Add(options.Config.HealthzBindAddress, "/healthz", () => Task.FromResult(Health(health, metrics.HealthzTotal, includeNode: true)));
        Add(options.Config.HealthzBindAddress, "/livez", () => Task.FromResult(Health(health, metrics.LivezTotal, includeNode: false)));

        foreach (var (address, routes) in byAddress)
        {
            var server = new StatusServer(address, routes, logger);
            server.Start();
            servers.Add(server);
        }
    }

    public void Dispose()
    {
        foreach (var server in servers)
        {
            server.Dispose();
        }
    }

    private static StatusServer.Response Health(ProxierHealth health, Prometheus.Counter counter, bool includeNode)
    {
        var (healthy, body) = health.Report(includeNode);
        var code = healthy ? 200 : 503;
        counter.WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
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

    /// <summary>Durations as upstream's JSON writes them: Go strings such as "30s".</summary>
    private sealed class DurationJsonConverter : System.Text.Json.Serialization.JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            GoDuration.TryParse(reader.GetString() ?? "", out var d) ? d : throw new JsonException("not a duration");

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteStringValue(GoDurationFormat.Format(value));
    }
}
