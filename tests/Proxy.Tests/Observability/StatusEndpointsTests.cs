using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Observability;

/// <summary>
/// The daemon as a process, scraped over real HTTP on loopback. Its iptables tools are stand-in scripts first on
/// PATH (so nothing touches a kernel), and iptables-restore can be made to hang to stall syncs.
/// </summary>
public sealed class StatusEndpointsTests : IAsyncDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-status-").FullName;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly int metricsPort = FreePort();
    private readonly int healthPort = FreePort();
    private Process? daemon;

    private string Manifests => Path.Combine(dir, "manifests");

    private string BlockFile => Path.Combine(dir, "block");

    /// <summary>What the daemon fed to nft, the stand-in's standard input.</summary>
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
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string Service(string name, string ip) =>
        $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: default}}\nspec: {{clusterIP: {ip}, ports: [{{port: 80}}]}}\n";

    private void StartDaemon()
    {
        var tools = Path.Combine(dir, "bin");
        Directory.CreateDirectory(tools);
        Directory.CreateDirectory(Manifests);
        File.WriteAllText(Path.Combine(Manifests, "a.yaml"), Service("a", "10.96.0.1"));
        foreach (var save in new[] { "iptables-save", "ip6tables-save" })
        {
            Script(Path.Combine(tools, save), "#!/bin/sh\nexit 0\n");
        }
        // The daemon removes nftables mode's leftovers once it has synced: that nft must not be the host's.
        Script(Path.Combine(tools, "nft"), $"#!/bin/sh\ncat >>'{NftLog}'\nexit 0\n");
        foreach (var restore in new[] { "iptables-restore", "ip6tables-restore" })
        {
            Script(Path.Combine(tools, restore), $"#!/bin/sh\nwhile [ -e '{BlockFile}' ]; do sleep 0.05; done\ncat >/dev/null\nexit 0\n");
        }
        // The daemon runs in the host's network namespace: it must leave the host's conntrack settings alone.
        var config = Path.Combine(dir, "config.yaml");
        File.WriteAllText(config, "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nconntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}\n");
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp"))
        {
            ArgumentList =
            {
                "--config", config, "--manifests", Manifests, "--iptables-sync-period", "1s", "--iptables-min-sync-period", "100ms",
                "--metrics-bind-address", $"127.0.0.1:{metricsPort}", "--healthz-bind-address", $"127.0.0.1:{healthPort}", "--hostname-override", "node-1",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment["PATH"] = tools + ":" + Environment.GetEnvironmentVariable("PATH");
        daemon = Process.Start(info)!;
        daemon.ErrorDataReceived += (_, _) => { };
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
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            last = await GetAsync(port, path);
            if (condition(last.Item1, last.Item2))
            {
                return last;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"{path} never {what}; last: {last}");
        return last;
    }

    private static double Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal)).Select(l => double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).Single();

    /// <summary>The series of IPv4's syncs: the proxy counts each family's syncs in its own.</summary>
    private const string SyncsV4 = "kubeproxy_sync_proxy_rules_duration_seconds_count{ip_family=\"IPv4\"}";

    private static bool HasSample(string metrics, string series) =>
        metrics.Split('\n').Any(l => l.StartsWith(series + " ", StringComparison.Ordinal));

    /// <summary>
    /// upstream's metrics (pkg/proxy/metrics/metrics.go, 1.33 and later): name, type, label names. Per-family values carry
    /// ip_family; the change counters and healthz/livez (shared by the families upstream) do not.
    /// </summary>
    private static readonly (string Name, string Type, string[] Labels)[] Upstream =
    [
        ("kubeproxy_sync_proxy_rules_duration_seconds", "histogram", ["ip_family"]),
        ("kubeproxy_sync_full_proxy_rules_duration_seconds", "histogram", ["ip_family"]),
        ("kubeproxy_sync_partial_proxy_rules_duration_seconds", "histogram", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "gauge", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "gauge", ["ip_family"]),
        ("kubeproxy_network_programming_duration_seconds", "histogram", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_endpoint_changes_pending", "gauge", []),
        ("kubeproxy_sync_proxy_rules_endpoint_changes_total", "counter", []),
        ("kubeproxy_sync_proxy_rules_service_changes_pending", "gauge", []),
        ("kubeproxy_sync_proxy_rules_service_changes_total", "counter", []),
        ("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "counter", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "counter", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_iptables_total", "gauge", ["ip_family", "table"]),
        ("kubeproxy_sync_proxy_rules_nftables_sync_failures_total", "counter", ["ip_family"]),
        ("kubeproxy_sync_proxy_rules_no_local_endpoints_total", "gauge", ["ip_family", "traffic_policy"]),
        ("kubeproxy_proxy_healthz_total", "counter", ["code"]),
        ("kubeproxy_proxy_livez_total", "counter", ["code"]),
        ("kubeproxy_conntrack_reconciler_sync_duration_seconds", "histogram", ["ip_family"]),
        ("kubeproxy_conntrack_reconciler_deleted_entries_total", "counter", ["ip_family"]),
    ];

    /// <summary>Every sample line of <paramref name="name"/> (its _bucket, _sum and _count too), with its label names sorted; a bucket's le left out.</summary>
    private static List<string[]> LabelNames(string metrics, string name) =>
        [.. metrics.Split('\n')
            .Where(l => !l.StartsWith('#') && Regex.IsMatch(l, $"^{Regex.Escape(name)}(_bucket|_sum|_count)?[{{ ]"))
            .Select(l => Regex.Matches(l[..(l.IndexOf('}') is var end and >= 0 ? end : 0)], "([a-zA-Z_][a-zA-Z0-9_]*)=\"")
                .Select(m => m.Groups[1].Value)
                .Where(n => !(n == "le" && l.StartsWith(name + "_bucket", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal)
                .ToArray())];

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
        Assert.Equal(
            Upstream.Select(m => $"{m.Name} {m.Type}").Order(StringComparer.Ordinal),
            metrics.Split('\n').Where(l => l.StartsWith("# TYPE kubeproxy_", StringComparison.Ordinal)).Select(l => l["# TYPE ".Length..]).Order(StringComparer.Ordinal));
        foreach (var (name, _, labels) in Upstream)
        {
            var samples = LabelNames(metrics, name);
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
        var configz = JsonNode.Parse((await GetAsync(metricsPort, "/configz")).Body)!;
        Assert.Equal(14, configz["kubeproxy.config.k8s.io"]!["iptables"]!["masqueradeBit"]!.GetValue<int>());
        Assert.Equal("1s", configz["kubeproxy.config.k8s.io"]!["iptables"]!["syncPeriod"]!.GetValue<string>());
    }

    [Fact]
    public async Task HealthTurns503WhenSyncsStallAnd200WhenTheyResume()
    {
        StartDaemon();
        var (_, healthy) = await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 200, "turned healthy");
        var body = JsonNode.Parse(healthy)!;
        Assert.True(body["nodeEligible"]!.GetValue<bool>());
        Assert.NotNull(body["lastUpdated"]);
        Assert.NotNull(body["currentTime"]);
        var (liveStatus, live) = await GetAsync(healthPort, "/livez");
        Assert.Equal(200, liveStatus);
        Assert.Null(JsonNode.Parse(live)!["nodeEligible"]);

        File.WriteAllText(BlockFile, "");
        File.WriteAllText(Path.Combine(Manifests, "b.yaml"), Service("b", "10.96.0.2"));
        await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 503, "turned 503 while iptables-restore hangs");
        Assert.Equal(503, (await GetAsync(healthPort, "/livez")).Status);

        File.Delete(BlockFile);
        await EventuallyAsync(healthPort, "/healthz", (s, _) => s == 200, "recovered");
        var (_, metrics) = await GetAsync(metricsPort, "/metrics");
        Assert.True(Sample(metrics, "kubeproxy_proxy_healthz_total{code=\"503\"}") >= 1);
    }
}
