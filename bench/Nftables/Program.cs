using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Nftables;
using Proxy.Bench;
using Proxy.Bench.Nftables;
using Proxy.Core.Exec;
using Proxy.Netlink;
using Proxy.Reconciling;
using Proxy.Testing.FakeApi;

// Usage (root): bench/Nftables/bin/Release/net10.0/Nftables [SIZES] [--repeat N] [--changes M] [--no-upstream] [--no-full] [--ip-netns-exec] [--no-netlink]
//   (or dotnet run --project bench/Nftables -c Release -- 1000,10000)
// For each size: the synthetic cluster with SyntheticCluster's mix of features (plus a ServiceCIDR, so the guard rails
// are in place), programmed in a fresh network namespace:
//   (a) full sync end to end (reconcile + render + nft -f into an empty namespace), median of N; the hourly full resync
//       over the table it built (which keeps affinity memories) and the periodic sync (drift check, then a partial
//       sync with nothing changed), median of N;
//   (b) one endpoint of one service changed, end to end (incremental reconcile + render + diff + apply): median and max
//       of M changes; applied as the daemon does, element-only changes as one nfnetlink batch from a socket opened in
//       the namespace (--no-netlink: through nft -f, as before 2026-12-02);
//   (c) peak RSS of the daemon itself (--once from the same cluster as a manifest file), median of N;
//   (d) reference: the same model in upstream kube-proxy's layout, nft -f only.
// nft runs in the namespace through nsenter --net (the daemon starts nft directly); --ip-netns-exec: through ip netns
// exec, as before 2026-12-02, which costs more per call (docs/performance.md).
// Every figure is printed with the load average and recorded in bench/results/scale.tsv (BenchResults).
var sizes = (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "1000,10000")
    .Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var repeat = Flag("--repeat", 3);
var changes = Flag("--changes", 20);
var upstream = !args.Contains("--no-upstream");
var viaIpNetnsExec = args.Contains("--ip-netns-exec");
// --no-full leaves out (a), the longest part, to measure (b) and (c) alone.
var fullSyncs = !args.Contains("--no-full");
var netlink = !args.Contains("--no-netlink");
var options = SyntheticCluster.Options;
var node = SyntheticCluster.Node;
var nftOptions = new NftablesOptions();
var exe = Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");
var serviceCidr = new V1ServiceCIDR
{
    ApiVersion = "networking.k8s.io/v1",
    Kind = "ServiceCIDR",
    Metadata = new V1ObjectMeta { Name = "kubernetes" },
    Spec = new V1ServiceCIDRSpec { Cidrs = ["10.96.0.0/12"] },
};

foreach (var size in sizes)
{
    var ns = $"kpbnft{Environment.ProcessId % 10000}";
    Run("ip", "netns", "add", ns);
    try
    {
        var runner = new TimedNetnsRunner(ns, viaIpNetnsExec);
        var objects = SyntheticCluster.Objects(size, generation: 0) with { ServiceCIDRs = [serviceCidr] };
        var model = Reconciler.Reconcile(objects, node, options);
        Console.WriteLine($"{size} services × {SyntheticCluster.Endpoints} endpoints: {Mix(model.IPv4)}");

        // (a) full sync into an empty table, then the resync over it; each N times.
        var full = new List<(double Total, double Model, double Render, double Nft)>();
        var resyncs = new List<double>();
        var periodics = new List<(double Total, double Check)>();
        var kib = 0;
        for (var r = 0; r < (fullSyncs ? repeat : 0); r++)
        {
            Run("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", NftNames.Table);
            var backend = new NftablesBackend(runner, nftOptions, NullLogger<NftablesBackend>.Instance);
            runner.Calls.Clear();
            var clock = Stopwatch.StartNew();
            var reconciled = Reconciler.Reconcile(objects, node, options);
            var modelMs = clock.Elapsed.TotalMilliseconds;
            await backend.SyncAsync(reconciled.States, full: true, CancellationToken.None);
            var total = clock.Elapsed.TotalMilliseconds;
            var nftMs = runner.Milliseconds("nft");
            clock.Restart();
            kib = NftPlanner.Full(NftRenderer.Render(reconciled.IPv4, nftOptions)).ToString().Length / 1024;
            full.Add((total, modelMs, clock.Elapsed.TotalMilliseconds, nftMs));
            clock.Restart();
            await backend.SyncAsync(reconciled.States, full: true, CancellationToken.None);
            resyncs.Add(clock.Elapsed.TotalMilliseconds);
            // What every --sync-period costs now: the drift question, then a partial sync with nothing changed (the
            // daemon's incremental reconcile of an unchanged cluster comes on top, ~0.1 s at 10k).
            clock.Restart();
            if (await backend.DriftedAsync(CancellationToken.None))
            {
                throw new InvalidOperationException("drift found right after a sync");
            }
            var check = clock.Elapsed.TotalMilliseconds;
            await backend.SyncAsync(reconciled.States, full: false, CancellationToken.None);
            periodics.Add((clock.Elapsed.TotalMilliseconds, check));
        }
        if (fullSyncs)
        {
            var a = full.OrderBy(f => f.Total).ElementAt(full.Count / 2);
            BenchResults.Record("nftables", size, "full_sync_s", a.Total / 1000);
            Console.WriteLine($"{size}: (a) full sync end to end, median of {repeat}: {a.Total:F0} ms (reconcile {a.Model:F0} ms, render {a.Render:F0} ms, "
                + $"nft -f {a.Nft:F0} ms for {kib} KiB; all: {string.Join(", ", full.Select(f => f.Total.ToString("F0", CultureInfo.InvariantCulture)))}) ({BenchResults.Load()})");
            Console.WriteLine($"{size}:     hourly full resync over the table, median of {repeat}: {Median(resyncs):F0} ms ({BenchResults.Load()})");
            var p = periodics.OrderBy(x => x.Total).ElementAt(periodics.Count / 2);
            Console.WriteLine($"{size}:     periodic sync (drift check, then a partial sync with nothing changed), median of {repeat}: {p.Total:F1} ms (drift check {p.Check:F1} ms) ({BenchResults.Load()})");
        }

        // (b) one endpoint of one service changed. As in the daemon, unchanged objects are the same instances (informer
        // caches keep them), so the incremental reconciler and the per-port render cache skip them.
        {
            var writer = netlink ? new NetlinkElementWriter(() => NetworkNamespace.Run(ns, () => new NetlinkSocket(NetlinkProtocol.Netfilter))) : null;
            var backend = new NftablesBackend(runner, nftOptions, NullLogger<NftablesBackend>.Instance, writer);
            var reconciler = new IncrementalReconciler();
            var withoutNft = 0;
            await backend.SyncAsync(reconciler.Reconcile(objects, node, options).States, full: true, CancellationToken.None);
            var samples = new List<double>();
            var nftSamples = new List<double>();
            var current = objects;
            for (var g = 1; g <= changes; g++)
            {
                current = SyntheticCluster.WithOneEndpointMoved(current, g);
                runner.Calls.Clear();
                var clock = Stopwatch.StartNew();
                var result = await backend.SyncAsync(reconciler.Reconcile(current, node, options).States, full: false, CancellationToken.None);
                samples.Add(clock.Elapsed.TotalMilliseconds);
                nftSamples.Add(runner.Milliseconds("nft"));
                withoutNft += runner.Calls.Count == 0 ? 1 : 0;
                if (result.Full)
                {
                    throw new InvalidOperationException("expected a partial sync");
                }
            }
            BenchResults.Record("nftables", size, "one_endpoint_ms", Median(samples));
            BenchResults.Record("nftables", size, "one_endpoint_max_ms", samples.Max());
            Console.WriteLine($"{size}: (b) one endpoint changed, end to end, {changes} changes: median {Median(samples):F1} ms, max {samples.Max():F1} ms "
                + $"({(netlink ? $"{withoutNft} of {changes} as one netlink batch, without nft; " : "")}nft -f median {Median(nftSamples):F1} ms, entering the namespace with {(viaIpNetnsExec ? "ip netns exec" : "nsenter --net")}) ({BenchResults.Load()})");
        }

        // Where (b)'s time goes in this process, without nft: each step of a partial sync, medians of M changes.
        {
            var reconciler = new IncrementalReconciler();
            var previous = NftRenderer.Render(reconciler.Reconcile(objects, node, options).IPv4, nftOptions);
            var steps = new Dictionary<string, List<double>> { ["reconcile"] = [], ["render"] = [], ["plan"] = [], ["print"] = [] };
            var current = objects;
            for (var g = 1; g <= changes; g++)
            {
                current = SyntheticCluster.WithOneEndpointMoved(current, g);
                var clock = Stopwatch.StartNew();
                var state = reconciler.Reconcile(current, node, options).IPv4;
                steps["reconcile"].Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                var ruleset = NftRenderer.Render(state, nftOptions, previous);
                steps["render"].Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                var transaction = NftPlanner.Partial(ruleset, previous)!;
                steps["plan"].Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                _ = transaction.ToString();
                steps["print"].Add(clock.Elapsed.TotalMilliseconds);
                previous = ruleset;
            }
            Console.WriteLine($"{size}:     of which in this process (medians): {string.Join(", ", steps.Select(s => $"{s.Key} {Median(s.Value):F1} ms"))} ({BenchResults.Load()})");
        }

        // (c) the daemon itself, --once from the cluster as a manifest file, peak RSS sampled from /proc while it runs.
        {
            var dir = Directory.CreateTempSubdirectory("kps-bench-nft-").FullName;
            File.WriteAllText(Path.Combine(dir, "cluster.yaml"), SyntheticCluster.Manifests(size) + KubernetesJson.Serialize(serviceCidr) + "\n");
            var peaks = new List<double>();
            var seconds = new List<double>();
            for (var r = 0; r < repeat; r++)
            {
                Run("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", NftNames.Table);
                var daemon = Process.Start(new ProcessStartInfo("ip",
                    ["netns", "exec", ns, exe, "--once", "--proxy-mode", "nftables", "--manifests", dir, "--cluster-cidr", SyntheticCluster.ClusterCidr, "--hostname-override", SyntheticCluster.NodeName])
                {
                    RedirectStandardError = true,
                })!;
                var log = daemon.StandardError.ReadToEndAsync();
                double peak = 0;
                var clock = Stopwatch.StartNew();
                while (!daemon.HasExited)
                {
                    peak = Math.Max(peak, SyntheticCluster.PeakRssMiB(daemon.Id));
                    await Task.Delay(20);
                }
                if (daemon.ExitCode != 0)
                {
                    Console.WriteLine(await log);
                    throw new InvalidOperationException($"the daemon exited {daemon.ExitCode}");
                }
                peaks.Add(peak);
                seconds.Add(clock.Elapsed.TotalSeconds);
            }
            Directory.Delete(dir, recursive: true);
            BenchResults.Record("nftables", size, "daemon_rss_mib", Median(peaks));
            Console.WriteLine($"{size}: (c) daemon --once from manifests, median of {repeat}: peak RSS {Median(peaks):F0} MiB, {Median(seconds):F1} s "
                + $"(all: {string.Join(", ", peaks.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))} MiB) ({BenchResults.Load()})");
        }

        // (d) reference: the same model in upstream's layout (a chain per service port and endpoint), nft -f only.
        if (upstream)
        {
            var text = UpstreamLayout.Render(model.IPv4, nftOptions.MasqueradeMark);
            Run("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", NftNames.Table);
            runner.Calls.Clear();
            runner.Limit = TimeSpan.FromMinutes(30);
            await runner.EnsureAsync(Command.Write("nft", text, "-f", "-"));
            runner.Limit = null;
            var ms = runner.Milliseconds("nft");
            BenchResults.Record("nftables upstream layout", size, "full_sync_s", ms / 1000);
            Console.WriteLine($"{size}: (d) upstream's layout, nft -f: {ms:F0} ms for {text.Length / 1024} KiB, nft peak RSS {runner.Calls[^1].PeakMiB:F0} MiB ({BenchResults.Load()})");
        }
    }
    finally
    {
        Run("ip", "netns", "del", ns);
    }
}

int Flag(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Mix(Proxy.Core.Model.ProxyState state)
{
    var ports = state.Services;
    int Count(Func<Proxy.Core.Model.ServicePort, bool> which) => ports.Count(which);
    return $"{Count(p => p.NodePort != 0)} with a node port, {Count(p => p.LoadBalancerIPs.Count > 0)} load-balanced "
        + $"({Count(p => p.LoadBalancerSourceRanges.Count > 0)} with source ranges), {Count(p => p.External.Endpoints == Proxy.Core.Model.EndpointSetKind.Local)} ETP Local, "
        + $"{Count(p => p.Affinity is not null)} with affinity, {Count(p => p.Internal.Endpoints == Proxy.Core.Model.EndpointSetKind.Local)} ITP Local; "
        + $"{ports.Sum(p => p.ClusterEndpoints.Count)} cluster-set endpoints, {ports.Sum(p => p.LocalEndpoints.Count)} local-set endpoints";
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
    process.WaitForExit();
}
