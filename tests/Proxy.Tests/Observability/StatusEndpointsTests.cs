using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Proxy.Tests.HealthChecks;

namespace Proxy.Tests.Observability;

/// <summary>
/// The daemon as a process in a network namespace of the test's own (what it sets at start, route_localnet and its
/// nfacct counters, stays there), scraped over real HTTP on that namespace's loopback. Its iptables tools are
/// stand-in scripts first on PATH (so no rules are written), and iptables-restore can be made to hang to stall syncs.
/// </summary>
public sealed class StatusEndpointsTests : IAsyncDisposable
{
    private const int MetricsPort = 10249;
    private const int HealthPort = 10256;

    private readonly IsolatedNetwork netns = IsolatedNetwork.Create();
    private readonly string dir = Directory.CreateTempSubdirectory("kps-status-").FullName;
    private readonly HttpClient http;
    private readonly int metricsPort = MetricsPort;
    private readonly int healthPort = HealthPort;
    private Process? daemon;

    /// <summary>The daemon's stderr, for a failure message.</summary>
    private readonly List<string> log = [];

    public StatusEndpointsTests()
    {
        var inNamespace = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = netns.Socket(AddressFamily.InterNetwork);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        http = new HttpClient(inNamespace) { Timeout = TimeSpan.FromSeconds(5) };
    }

    private string Manifests => Path.Combine(dir, "manifests");

    private string BlockFile => Path.Combine(dir, "block");

    /// <summary>What the daemon fed to nft: the stand-in's input file, or its standard input.</summary>
    private string NftLog => Path.Combine(dir, "nft.log");

    public async ValueTask DisposeAsync()
    {
        if (daemon is { HasExited: false })
        {
            daemon.Kill();
            await daemon.WaitForExitAsync();
        }
        daemon?.Dispose();
        http.Dispose();
        Directory.Delete(dir, recursive: true);
        netns.Dispose();
    }

    private static string Service(string name, string ip) =>
        $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: default}}\nspec: {{clusterIP: {ip}, ports: [{{port: 80}}]}}\n";

    private void StartDaemon()
    {
        var tools = Path.Combine(dir, "bin");
        Directory.CreateDirectory(tools);
        Directory.CreateDirectory(Manifests);
        File.WriteAllText(Path.Combine(Manifests, "a.yaml"), Service("a", "10.96.0.1"));
        // As upstream, /healthz needs this node's Node object to call the node eligible.
        File.WriteAllText(Path.Combine(Manifests, "node.yaml"), "apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n");
        // The daemon runs the iptables tools of the backend it selects (iptables-nft-*, forced below), so the
        // stand-ins carry those names as well as the plain ones.
        foreach (var save in new[] { "iptables-save", "ip6tables-save", "iptables-nft-save", "ip6tables-nft-save" })
        {
            Script(Path.Combine(tools, save), "#!/bin/sh\nexit 0\n");
        }
        // The daemon removes nftables mode's leftovers once it has synced: that nft must not be the host's.
        // nft reads its transaction from the file after -f (a whole file, never a pipe: Command.WriteWhole), or stdin for "-".
        Script(Path.Combine(tools, "nft"),
            $"#!/bin/sh\ninput=-\nwhile [ $# -gt 0 ]; do [ \"$1\" = -f ] && input=$2; shift; done\n"
            + $"if [ \"$input\" = - ]; then cat; else cat -- \"$input\"; fi >>'{NftLog}'\nexit 0\n");
        foreach (var restore in new[] { "iptables-restore", "ip6tables-restore", "iptables-nft-restore", "ip6tables-nft-restore" })
        {
            Script(Path.Combine(tools, restore), $"#!/bin/sh\nwhile [ -e '{BlockFile}' ]; do sleep 0.05; done\ncat >/dev/null\nexit 0\n");
        }
        var info = new ProcessStartInfo("ip", ["netns", "exec", netns.Name, Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp")])
        {
            ArgumentList =
            {
                "--manifests", Manifests, "--iptables-sync-period", "1s", "--iptables-min-sync-period", "100ms",
                "--metrics-bind-address", $"127.0.0.1:{metricsPort}", "--healthz-bind-address", $"127.0.0.1:{healthPort}", "--hostname-override", "node-1",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment["KUBE_PROXY_SHARP_IPTABLES_BACKEND"] = "nft";
        info.Environment["PATH"] = tools + ":" + Environment.GetEnvironmentVariable("PATH");
        daemon = Process.Start(info)!;
        daemon.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.Add(e.Data ?? "");
            }
        };
        daemon.OutputDataReceived += (_, _) => { };
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
    }

    private static void Script(string path, string text)
    {
        File.WriteAllText(path, text);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Assert.Skip("the daemon runs on Linux only");
        }
    }

    private async Task<(int Status, string Body)> GetAsync(int port, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), TestContext.Current.CancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        catch (HttpRequestException)
        {
            return (0, "");
        }
    }

    private async Task<(int Status, string Body)> EventuallyAsync(int port, string path, Func<int, string, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        (int, string) last = (0, "");
        // Generous: the machine may be busy (the daemon starts, JITs and syncs first); a pass takes a second or two.
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = await GetAsync(port, path);
            if (condition(last.Item1, last.Item2))
            {
                return last;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        lock (log)
        {
            Assert.Fail($"{path} never {what}; last: {last}; the daemon's log:\n{string.Join('\n', log.TakeLast(30))}");
        }
        return last;
    }

    private static double Sample(string metrics, string series) => Exposition.Sample(metrics, series) ?? throw new InvalidOperationException($"no sample of {series}");

    /// <summary>The series of IPv4's syncs: the proxy counts each family's syncs in its own.</summary>
    private const string SyncsV4 = "kubeproxy_sync_proxy_rules_duration_seconds_count{ip_family=\"IPv4\"}";

    private static bool HasSample(string metrics, string series) => Exposition.Sample(metrics, series) is not null;

    /// <summary>upstream's metrics in iptables mode, from the reference list the unit tests check too.</summary>
    private static readonly IReadOnlyList<Exposition.Reference> Upstream =
        [.. Exposition.References.Where(r => r.Modes.Contains("iptables"))];

    private static string Slice(string name, string service, string address, DateTimeOffset trigger) =>
        $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  namespace: default\n"
        + $"  labels: {{kubernetes.io/service-name: {service}}}\n"
        + $"  annotations: {{endpoints.kubernetes.io/last-change-trigger-time: \"{trigger.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}\n"
        + $"addressType: IPv4\nports: [{{port: 8080}}]\nendpoints: [{{addresses: [{address}]}}]\n";

    /// <summary>
    /// Writes a manifest in one atomic rename: a sync that read it half-written (truncated, say) would see its objects
    /// removed and added again, and count changes the edit did not make.
    /// </summary>
    private void Replace(string file, string content)
    {
        var temporary = Path.Combine(Manifests, "edit.tmp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, Path.Combine(Manifests, file), overwrite: true);
    }

    /// <summary>service_changes_total, endpoint_changes_total, and how many network programming latencies were observed.</summary>
    private static (double Services, double Endpoints, double Programmed) Changes(string metrics) => (
        Sample(metrics, "kubeproxy_sync_proxy_rules_service_changes_total"),
        Sample(metrics, "kubeproxy_sync_proxy_rules_endpoint_changes_total"),
        Sample(metrics, "kubeproxy_network_programming_duration_seconds_count{ip_family=\"IPv4\"}"));

    /// <summary>
    /// Waits for the change counters to reach <paramref name="expected"/>, then for two more syncs (the periodic one runs every
    /// second and re-reads every file): they must still be exactly there, with nothing pending. A periodic sync alone moves
    /// none of them, and a source that counted every object at every read would overshoot.
    /// </summary>
    private async Task ChangesSettleAtAsync((double, double, double) expected)
    {
        var (_, reached) = await EventuallyAsync(metricsPort, "/metrics", (_, m) => Changes(m) == expected, $"counted changes {expected}");
        var syncs = Sample(reached, SyncsV4);
        var (_, later) = await EventuallyAsync(metricsPort, "/metrics", (_, m) => Sample(m, SyncsV4) >= syncs + 2, "synced twice more");
        Assert.Equal(expected, Changes(later));
        Assert.Equal(0, Sample(later, "kubeproxy_sync_proxy_rules_service_changes_pending"));
        Assert.Equal(0, Sample(later, "kubeproxy_sync_proxy_rules_endpoint_changes_pending"));
    }

    [Fact]
    public async Task MetricsHaveUpstreamsNamesTypesAndLabels_AndSyncCountersMove()
    {
        StartDaemon();
        await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 200, "turned healthy");
        Assert.Equal(200, (await GetAsync(healthPort, "/livez")).Status);
        var (status, metrics) = await EventuallyAsync(metricsPort, "/metrics", (s, m) => s == 200 && HasSample(m, SyncsV4), "showed the first sync");

        Assert.Equal(200, status);
        // Exactly upstream's metrics: none missing, none of our own under its prefix.
        // The nfacct-based ones are there when this kernel has nfacct (then the daemon made its counters in the namespace).
        var nfacct = netns.Run(() => new Proxy.Host.NetlinkNfacct().Packets("ct_state_invalid_dropped_pkts")) is not null;
        Assert.Equal(
            Upstream.Where(m => nfacct || m.Note != "nfacct").Select(m => $"{m.Name} {m.Type}").Order(StringComparer.Ordinal),
            Exposition.KubeTypes(metrics));
        foreach (var (name, _, labels, _, _, _) in Upstream.Where(m => nfacct || m.Note != "nfacct"))
        {
            var samples = Exposition.LabelNames(metrics, name);
            Assert.True(samples.Count > 0, $"{name} has no sample to show its labels");
            Assert.All(samples, names => Assert.True(names.SequenceEqual(labels), $"{name} has labels [{string.Join(", ", names)}], upstream [{string.Join(", ", labels)}]"));
        }
        // The stand-in tools serve both families, so the proxy programs both, each in its own series.
        foreach (var family in new[] { "IPv4", "IPv6" })
        {
            Assert.Contains($"kubeproxy_sync_proxy_rules_iptables_total{{table=\"nat\",ip_family=\"{family}\"}}", metrics);
            Assert.Contains($"kubeproxy_sync_proxy_rules_iptables_total{{table=\"filter\",ip_family=\"{family}\"}}", metrics);
            Assert.Contains($"kubeproxy_sync_proxy_rules_no_local_endpoints_total{{traffic_policy=\"internal\",ip_family=\"{family}\"}} 0", metrics);
            Assert.Contains($"kubeproxy_sync_proxy_rules_iptables_restore_failures_total{{ip_family=\"{family}\"}} 0", metrics);
        }
        Assert.Contains("kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family=\"IPv4\",le=\"0.001\"}", metrics);
        Assert.True(Sample(metrics, "kubeproxy_sync_proxy_rules_iptables_total{table=\"nat\",ip_family=\"IPv4\"}") > 0);
        var lastSync = Sample(metrics, "kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"IPv4\"}");
        Assert.True(lastSync > 1.7e9);
        Assert.True(Sample(metrics, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds{ip_family=\"IPv4\"}") > 1.7e9);
        var syncs = Sample(metrics, SyncsV4);
        Assert.True(syncs >= 1);

        // The periodic sync moves the IPv4 series: another observation, a later sync time.
        var (_, next) = await EventuallyAsync(metricsPort, "/metrics", (_, m) => Sample(m, SyncsV4) > syncs, "synced again");
        Assert.True(Sample(next, "kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"IPv4\"}") > lastSync);

        // The first read counts service a; nothing else has changed yet.
        Assert.Equal((1, 0, 0), Changes(metrics));

        // A new Service with an EndpointSlice whose change the EndpointSlice controller dated now.
        Replace("b.yaml", Service("b", "10.96.0.2") + "---\n" + Slice("b-1", "b", "10.244.1.2", DateTimeOffset.UtcNow));
        await ChangesSettleAtAsync((2, 1, 1));

        // Only the slice of b.yaml changes: the Service, parsed again but equal, is not counted again.
        Replace("b.yaml", Service("b", "10.96.0.2") + "---\n" + Slice("b-1", "b", "10.244.1.33", DateTimeOffset.UtcNow));
        await ChangesSettleAtAsync((2, 2, 2));

        // After many syncs, nftables mode's table was removed once, at the start (upstream's platformCleanup).
        Assert.Equal(1, File.ReadAllText(NftLog).Split('\n').Count(l => l == "delete table ip kube-proxy"));

        Assert.Equal((200, "iptables"), await GetAsync(metricsPort, "/proxyMode"));
        // The metrics port's own /healthz (component-base's, no checks) and /flagz, as upstream's metrics server has them.
        Assert.Equal((200, "ok"), await GetAsync(metricsPort, "/healthz"));
        var flagz = (await GetAsync(metricsPort, "/flagz")).Body;
        Assert.Contains("\nhostname-override=node-1\n", flagz);
        Assert.Contains("\niptables-sync-period=1s\n", flagz);
        Assert.Contains("\nconntrack-min=131072\n", flagz);
        var configz = JsonNode.Parse((await GetAsync(metricsPort, "/configz")).Body)!;
        Assert.Equal(14, configz["kubeproxy.config.k8s.io"]!["iptables"]!["masqueradeBit"]!.GetValue<int>());
        Assert.Equal("1s", configz["kubeproxy.config.k8s.io"]!["iptables"]!["syncPeriod"]!.GetValue<string>());
    }

    [Fact]
    public async Task HealthTurns503WhenSyncsStallAnd200WhenTheyResume()
    {
        StartDaemon();
        var (_, healthy) = await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 200, "turned healthy");
        var body = JsonNode.Parse(healthy)!.AsObject();
        Assert.Equal(["lastUpdated", "currentTime", "nodeEligible", "healthy", "status"], body.Select(p => p.Key));
        Assert.True(body["nodeEligible"]!.GetValue<bool>());
        Assert.True(body["healthy"]!.GetValue<bool>());
        Assert.True(body["status"]!["IPv4"]!["healthy"]!.GetValue<bool>());
        var (liveStatus, live) = await GetAsync(healthPort, "/livez");
        Assert.Equal(200, liveStatus);
        Assert.Equal(["lastUpdated", "currentTime", "healthy", "status"], JsonNode.Parse(live)!.AsObject().Select(p => p.Key));

        File.WriteAllText(BlockFile, "");
        File.WriteAllText(Path.Combine(Manifests, "b.yaml"), Service("b", "10.96.0.2"));
        var (_, stalled) = await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 503, "turned 503 while iptables-restore hangs");
        Assert.False(JsonNode.Parse(stalled)!["healthy"]!.GetValue<bool>());
        Assert.Equal(503, (await GetAsync(healthPort, "/livez")).Status);

        File.Delete(BlockFile);
        await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 200, "recovered");
        var (_, metrics) = await GetAsync(metricsPort, "/metrics");
        Assert.True(Sample(metrics, "kubeproxy_proxy_healthz_total{code=\"503\"}") >= 1);
    }
}
