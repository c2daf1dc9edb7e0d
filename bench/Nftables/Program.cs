using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Nftables;
using Proxy.Bench;
using Proxy.Core.Exec;
using Proxy.Reconciling;

// Usage (root): dotnet run --project bench/Nftables -c Release [-- 1000,10000]
// For each size: synthetic services × 10 endpoints with the mix of SyntheticCluster, programmed in a fresh network namespace.
var sizes = (args.Length > 0 ? args[0] : "1000,10000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
const int Endpoints = SyntheticCluster.Endpoints;
var options = SyntheticCluster.Options;
var node = SyntheticCluster.Node;
var exe = Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");

foreach (var size in sizes)
{
    var ns = $"kpbnft{Environment.ProcessId % 10000}";
    Run("ip", "netns", "add", ns);
    try
    {
        var runner = new TimedNetnsRunner(ns);
        var backend = new NftablesBackend(runner, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var objects = SyntheticCluster.Objects(size, generation: 0);

        // (a) full sync: model (reconcile) + render, then nft -f.
        var clock = Stopwatch.StartNew();
        var model = Reconciler.Reconcile(objects, node, options);
        var modelMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var text = NftPlanner.Full(NftRenderer.Render(model.IPv4, new NftablesOptions())).ToString();
        var renderMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        runner.Calls.Clear();
        await backend.SyncAsync(model.States, full: true, CancellationToken.None);
        var syncMs = clock.Elapsed.TotalMilliseconds;
        var nftMs = runner.Milliseconds("nft");
        BenchResults.Record("nftables", size, "full_sync_s", (modelMs + syncMs) / 1000);
        Console.WriteLine($"{size} services x {Endpoints} ({BenchResults.Load()}): full sync {syncMs:F0} ms end to end (model {modelMs:F0} ms + render {renderMs:F0} ms, "
            + $"nft -f {nftMs:F0} ms for {text.Length / 1024} KiB)");

        // (b) one endpoint of one service changed, end to end (reconcile + render + diff + nft -f), median of 10.
        // As in the daemon, unchanged objects are the same instances (informer caches keep them), so the
        // incremental reconciler and the per-port render cache skip them.
        var reconciler = new IncrementalReconciler();
        var baseline = reconciler.Reconcile(objects, node, options);
        await backend.SyncAsync(baseline.States, full: true, CancellationToken.None);
        var samples = new List<double>();
        var reconcileSamples = new List<double>();
        for (var g = 1; g <= 10; g++)
        {
            var changed = SyntheticCluster.WithOneEndpointMoved(objects, g);
            runner.Calls.Clear();
            clock.Restart();
            var next = reconciler.Reconcile(changed, node, options);
            reconcileSamples.Add(clock.Elapsed.TotalMilliseconds);
            var result = await backend.SyncAsync(next.States, full: false, CancellationToken.None);
            samples.Add(clock.Elapsed.TotalMilliseconds);
            if (result.Full)
            {
                throw new InvalidOperationException("expected a partial sync");
            }
        }
        samples.Sort();
        reconcileSamples.Sort();
        BenchResults.Record("nftables", size, "one_endpoint_ms", samples[5]);
        Console.WriteLine($"{size}: one endpoint changed ({BenchResults.Load()}): median {samples[5]:F1} ms, max {samples[^1]:F1} ms end to end "
            + $"(reconcile median {reconcileSamples[5]:F1} ms; nft -f in the last: {runner.Milliseconds("nft"):F1} ms)");
        Console.WriteLine($"{size}: this process' peak RSS {SyntheticCluster.PeakRssMiB(Environment.ProcessId):F0} MiB");

        // (c) the daemon itself, --once from manifests, peak RSS sampled from /proc while it runs.
        var dir = Directory.CreateTempSubdirectory("kps-bench-nft-").FullName;
        File.WriteAllText(Path.Combine(dir, "cluster.yaml"), SyntheticCluster.Manifests(size));
        var daemon = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, exe, "--once", "--proxy-mode", "nftables", "--manifests", dir, "--cluster-cidr", SyntheticCluster.ClusterCidr, "--hostname-override", SyntheticCluster.NodeName])
        {
            RedirectStandardError = true,
        })!;
        double peak = 0;
        var daemonClock = Stopwatch.StartNew();
        while (!daemon.HasExited)
        {
            peak = Math.Max(peak, SyntheticCluster.PeakRssMiB(daemon.Id));
            await Task.Delay(20);
        }
        var log = await daemon.StandardError.ReadToEndAsync();
        BenchResults.Record("nftables", size, "daemon_rss_mib", peak);
        Console.WriteLine($"{size}: daemon --once from manifests ({BenchResults.Load()}): exit {daemon.ExitCode}, {daemonClock.Elapsed.TotalSeconds:F1} s, peak RSS {peak:F0} MiB");
        if (daemon.ExitCode != 0)
        {
            Console.WriteLine(log);
        }
        Directory.Delete(dir, recursive: true);

        // (d) reference: upstream's layout (a chain per service and per endpoint) for the same cluster, nft -f only.
        var upstream = UpstreamLayout(size);
        Run("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", "kube-proxy");
        clock.Restart();
        await runner.RunAsync(Command.Write("nft", upstream, "-f", "-"), CancellationToken.None);
        BenchResults.Record("nftables upstream layout", size, "full_sync_s", clock.Elapsed.TotalSeconds);
        Console.WriteLine($"{size}: upstream layout, nft -f ({BenchResults.Load()}): {clock.Elapsed.TotalMilliseconds:F0} ms for {upstream.Length / 1024} KiB");
    }
    finally
    {
        Run("ip", "netns", "del", ns);
    }
}

static string UpstreamLayout(int size)
{
    var text = new StringBuilder("add table ip kube-proxy\nadd map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\n");
    var elements = new List<string>();
    for (var i = 0; i < size; i++)
    {
        var svc = $"service-{i}";
        text.Append($"add chain ip kube-proxy {svc}\n");
        var vmap = new List<string>();
        for (var j = 0; j < Endpoints; j++)
        {
            var ep = $"endpoint-{i}-{j}";
            text.Append($"add chain ip kube-proxy {ep}\n");
            text.Append($"add rule ip kube-proxy {ep} ip saddr {SyntheticCluster.Address(i, j, 0)} jump mark-for-masquerade\n".Replace(" jump mark-for-masquerade", " meta mark set meta mark or 0x4000", StringComparison.Ordinal));
            text.Append($"add rule ip kube-proxy {ep} meta l4proto tcp dnat to {SyntheticCluster.Address(i, j, 0)}:8080\n");
            vmap.Add($"{j} : goto {ep}");
        }
        text.Append($"add rule ip kube-proxy {svc} numgen random mod {Endpoints} vmap {{ {string.Join(", ", vmap)} }}\n");
        elements.Add($"10.{96 + (i / 62500)}.{i / 250 % 250}.{(i % 250) + 1} . tcp . 80 : goto {svc}");
    }
    text.Append($"add element ip kube-proxy service-ips {{ {string.Join(", ", elements)} }}\n");
    return text.ToString();
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
    process.WaitForExit();
}
