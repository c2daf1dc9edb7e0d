using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Iptables;
using Proxy.Backends.Xtables;
using Proxy.Bench;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Reconciling;

// Usage (root): dotnet run --project bench/Iptables -c Release [-- SIZES [BACKENDS] [--limit SECONDS]]
//   SIZES: services, comma-separated (default 1000,10000,30000); BACKENDS: legacy,nft (default: those installed);
//   --limit: a single iptables-restore running longer than this is killed and reported as not finished (default 1800);
//   --no-daemon: leave out (c), the daemon's own run (the longest part at 30k);
//   --pairs N: only (a) against (d), N times each, alternating (full sync, then the bare restore of its payload, each in a
//   fresh namespace): the target is their ratio, and one restore of 89k chains varies by a quarter from run to run.
// Or: payload SIZE FILE [--comments] [--as-written] — writes the first full sync's IPv4 payload as legacy gets it, to
// study it by hand (--comments: as below the large-cluster threshold; --as-written: chains in render order); partial SIZE — the pure part of a one-endpoint change, no kernel; manifests SIZE DIR —
// writes DIR/cluster.yaml, the manifest file (c) runs the daemon on, to measure the daemon by hand.
// Each size × backend runs in fresh network namespaces it creates and deletes; figures go to stdout and to
// bench/results/scale.tsv (what bench/Plot draws).
if (args is ["payload", var n, var file, ..])
{
    // --comments: every rule commented, as below upstream's large-cluster threshold (to measure what that mode saves).
    var state = Reconciler.Reconcile(SyntheticCluster.Objects(int.Parse(n, CultureInfo.InvariantCulture), 0), SyntheticCluster.Node, SyntheticCluster.Options).IPv4;
    var renderOptions = args.Contains("--comments") ? new IptablesOptions { LargeClusterEndpoints = int.MaxValue } : new IptablesOptions();
    // As the backend sends it to iptables-legacy-restore (--as-written: chains declared in render order, as to iptables-nft).
    var transaction = RestorePlanner.Full(IptablesRenderer.Render(state, renderOptions), KernelRules.Empty, out _);
    File.WriteAllText(file, transaction.Input(reverseNameOrder: !args.Contains("--as-written")).Text);
    return 0;
}
if (args is ["manifests", var services, var directory])
{
    Directory.CreateDirectory(directory);
    File.WriteAllText(Path.Combine(directory, "cluster.yaml"), SyntheticCluster.Manifests(int.Parse(services, CultureInfo.InvariantCulture)));
    return 0;
}
if (args is ["partial", var count])
{
    // The pure part of a one-endpoint change, without a kernel: reconcile, render, plan, text (median of 30, and the
    // least: on a machine others are loading, the least is the closest to the cost itself).
    var size = int.Parse(count, CultureInfo.InvariantCulture);
    var cluster = SyntheticCluster.Objects(size, 0);
    var incremental = new IncrementalReconciler();
    var cache = new ServicePortCache();
    var previous = IptablesRenderer.Render(incremental.Reconcile(cluster, SyntheticCluster.Node, SyntheticCluster.Options).IPv4, new IptablesOptions(), cache);
    var times = new List<(double Reconcile, double Render, double Plan, double Text)>();
    var cpu = new List<double>();
    var text = "";
    for (var g = 1; g <= 30; g++)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var next = incremental.Reconcile(SyntheticCluster.WithOneEndpointMoved(cluster, g), SyntheticCluster.Node, SyntheticCluster.Options).IPv4;
        var reconciled = watch.Elapsed.TotalMilliseconds;
        var rendered = IptablesRenderer.Render(next, new IptablesOptions(), cache);
        var render = watch.Elapsed.TotalMilliseconds - reconciled;
        var transaction = RestorePlanner.Partial(rendered, previous, out _);
        var plan = watch.Elapsed.TotalMilliseconds - reconciled - render;
        text = transaction.ToString();
        times.Add((reconciled, render, plan, watch.Elapsed.TotalMilliseconds - reconciled - render - plan));
        cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
        previous = rendered;
    }
    string Figure(Func<(double, double, double, double), double> f) => $"{times.Select(f).Order().ElementAt(times.Count / 2):F1} ({times.Select(f).Min():F1})";
    Console.WriteLine($"{size}: one endpoint changed, pure part, median (least) of {times.Count}: reconcile {Figure(t => t.Item1)} ms, render {Figure(t => t.Item2)} ms, "
        + $"plan {Figure(t => t.Item3)} ms, text {Figure(t => t.Item4)} ms; CPU time of all four {cpu.Order().ElementAt(cpu.Count / 2):F0} ms; payload {text.Count(c => c == '\n')} lines ({BenchResults.Load()})");
    Console.Write(text);
    return 0;
}
var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] is not ("--limit" or "--pairs"))).ToList();
var sizes = (positional.Count > 0 ? positional[0] : "1000,10000,30000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var variants = (positional.Count > 1 ? positional[1] : "legacy,nft").Split(',')
    .Select(v => IptablesWrapper.TryParse(v, out var forced) && forced is { } variant ? variant : throw new ArgumentException($"unknown backend {v}"))
    .Where(v => TimedNetnsRunner.OnPath(IptablesSelection.Executable("iptables-restore", v)))
    .ToList();
var pairsAt = Array.IndexOf(args, "--pairs");
var pairs = pairsAt >= 0 ? int.Parse(args[pairsAt + 1], CultureInfo.InvariantCulture) : 0;
var limitAt = Array.IndexOf(args, "--limit");
var limit = TimeSpan.FromSeconds(limitAt >= 0 ? int.Parse(args[limitAt + 1], CultureInfo.InvariantCulture) : 1800);
var exe = Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");
var node = SyntheticCluster.Node;
var options = SyntheticCluster.Options;
var ns = $"kpbipt{Environment.ProcessId % 10000}";

foreach (var size in sizes)
{
    var objects = SyntheticCluster.Objects(size, generation: 0);
    var clock = Stopwatch.StartNew();
    var state = Reconciler.Reconcile(objects, node, options).IPv4;
    var modelMs = clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    var rules = IptablesRenderer.Render(state, new IptablesOptions());
    var renderMs = clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    var transaction = RestorePlanner.Full(rules, KernelRules.Empty, out _);
    // Each backend's payload as the backend sends it: legacy's chains in reverse name order, nf_tables' staged (and, for
    // reference, in one COMMIT as written).
    var payload = transaction.ToString();
    var legacyPayload = transaction.Input(reverseNameOrder: true).Text;
    var staged = transaction.ToString(IptablesBackend.NftStageChains);
    var planMs = clock.Elapsed.TotalMilliseconds;
    var lines = payload.Split('\n');
    Console.WriteLine($"{size} services x {SyntheticCluster.Endpoints} ({BenchResults.Load()}): payload {payload.Length / 1024} KiB, {lines.Length - 1} lines, "
        + $"{lines.Count(l => l.StartsWith(':'))} chains, {lines.Count(l => l.StartsWith("-A ", StringComparison.Ordinal))} rules; "
        + $"model {modelMs:F0} ms, render {renderMs:F0} ms, plan + text {planMs:F0} ms");
    var manifests = Directory.CreateTempSubdirectory("kps-bench-ipt-").FullName;
    File.WriteAllText(Path.Combine(manifests, "cluster.yaml"), SyntheticCluster.Manifests(size));
    try
    {
        foreach (var variant in variants)
        {
            var name = variant.ToString().ToLowerInvariant();
            var series = $"iptables {name}";
            if (pairs > 0)
            {
                await PairsAsync(size, variant, objects, variant == IptablesVariant.Nft ? staged : legacyPayload);
                continue;
            }
            await InNamespaceAsync(async runner =>
            {
                runner.Limit = limit;
                var backend = new IptablesBackend(new IptablesWrapper(runner, variant, NullLogger<IptablesWrapper>.Instance), new NoSysctl(),
                    new IptablesOptions(), NullLogger<IptablesBackend>.Instance);
                var reconciler = new IncrementalReconciler();

                // (a) first full sync into an empty namespace, end to end: reconcile, render, iptables-save, iptables-restore.
                clock.Restart();
                var model = reconciler.Reconcile(objects, node, options);
                var reconcileMs = clock.Elapsed.TotalMilliseconds;
                try
                {
                    await backend.SyncAsync(model.States, full: true, CancellationToken.None);
                }
                catch (TimeoutException e)
                {
                    Console.WriteLine($"{size} {series}: full sync did not finish: {e.Message} ({BenchResults.Load()})");
                    BenchResults.Record(series, size, "full_sync_unfinished_s", limit.TotalSeconds);
                    return;
                }
                var fullMs = clock.Elapsed.TotalMilliseconds;
                var restore = runner.Calls.Where(c => c.Tool.Contains("restore", StringComparison.Ordinal)).ToList();
                Console.WriteLine($"{size} {series}: (a) full sync {fullMs:F0} ms end to end (reconcile {reconcileMs:F0} ms, save {runner.Milliseconds("-save"):F0} ms, "
                    + $"restore {restore.Sum(c => c.Elapsed.TotalMilliseconds):F0} ms in {restore.Count} calls, restore peak RSS {restore.Max(c => c.PeakMiB):F0} MiB; "
                    + $"the rest {fullMs - reconcileMs - runner.Milliseconds("-save") - runner.Milliseconds("restore"):F0} ms) ({BenchResults.Load()})");
                BenchResults.Record(series, size, "full_sync_s", fullMs / 1000);

                // (a2) full resync (hourly, or after drift) with nothing changed.
                runner.Calls.Clear();
                clock.Restart();
                var resync = await backend.SyncAsync(model.States, full: true, CancellationToken.None);
                Console.WriteLine($"{size} {series}: (a2) full resync, nothing changed: {clock.Elapsed.TotalMilliseconds:F0} ms, {resync.RulesWritten} rules written "
                    + $"(save {runner.Milliseconds("-save"):F0} ms, restore {runner.Milliseconds("restore"):F0} ms)");
                BenchResults.Record(series, size, "resync_s", clock.Elapsed.TotalSeconds);

                // (b) one endpoint of one service changed, end to end (reconcile + render + plan + restore), median of 10.
                var samples = new List<double>();
                var restoreSamples = new List<double>();
                for (var g = 1; g <= 10; g++)
                {
                    runner.Calls.Clear();
                    clock.Restart();
                    var next = reconciler.Reconcile(SyntheticCluster.WithOneEndpointMoved(objects, g), node, options);
                    var result = await backend.SyncAsync(next.States, full: false, CancellationToken.None);
                    samples.Add(clock.Elapsed.TotalMilliseconds);
                    restoreSamples.Add(runner.Milliseconds("restore"));
                    if (result.Full)
                    {
                        throw new InvalidOperationException("expected a partial sync");
                    }
                }
                samples.Sort();
                restoreSamples.Sort();
                var last = runner.LastInput;
                Console.WriteLine($"{size} {series}: (b) one endpoint changed: median {samples[5]:F1} ms, max {samples[^1]:F1} ms end to end "
                    + $"(restore median {restoreSamples[5]:F1} ms; last payload {last.Count(c => c == '\n')} lines, {last.Length} bytes) ({BenchResults.Load()})");
                BenchResults.Record(series, size, "one_endpoint_ms", samples[5]);
            });

            // (c) the daemon itself, --once from manifests into an empty namespace, peak RSS sampled while it runs.
            await InNamespaceAsync(async _ =>
            {
                if (args.Contains("--no-daemon"))
                {
                    return;
                }
                var info = new ProcessStartInfo("ip", ["netns", "exec", ns, exe, "--once", "--manifests", manifests, "--cluster-cidr", SyntheticCluster.ClusterCidr,
                    "--hostname-override", SyntheticCluster.NodeName, "--metrics-bind-address", "", "--healthz-bind-address", ""])
                { RedirectStandardError = true, RedirectStandardOutput = true };
                info.Environment[IptablesWrapper.Variable] = name;
                using var daemon = Process.Start(info)!;
                var log = daemon.StandardError.ReadToEndAsync();
                var output = daemon.StandardOutput.ReadToEndAsync();
                double peak = 0;
                var daemonClock = Stopwatch.StartNew();
                while (!daemon.HasExited)
                {
                    peak = Math.Max(peak, SyntheticCluster.PeakRssMiB(daemon.Id));
                    await Task.Delay(20);
                }
                Console.WriteLine($"{size} {series}: (c) daemon --once from manifests: exit {daemon.ExitCode}, {daemonClock.Elapsed.TotalSeconds:F1} s, peak RSS {peak:F0} MiB ({BenchResults.Load()})");
                BenchResults.Record(series, size, "daemon_rss_mib", peak);
                if (daemon.ExitCode != 0)
                {
                    Console.WriteLine(await log + await output);
                }
            });

            // (d) reference: the bare restore of the same payload into an empty namespace (what upstream's layout costs the tool
            // alone); on nf_tables, also of the staged payload the backend sends there.
            var payloads = variant == IptablesVariant.Nft ? [("one COMMIT", payload), ("staged", staged)] : new[] { ("one COMMIT", legacyPayload) };
            foreach (var (shape, text) in payloads)
            {
                await InNamespaceAsync(async runner =>
                {
                    runner.Limit = limit;
                    var tool = IptablesSelection.Executable("iptables-restore", variant);
                    clock.Restart();
                    try
                    {
                        await runner.EnsureAsync(Command.Write(tool, text, "-w", "5", "--noflush"));
                        Console.WriteLine($"{size} {series}: (d) bare {tool} --noflush of the same payload, {shape}: "
                            + $"{clock.Elapsed.TotalMilliseconds:F0} ms, peak RSS {runner.Calls[^1].PeakMiB:F0} MiB ({BenchResults.Load()})");
                        BenchResults.Record($"{series} bare restore, {shape}", size, "full_sync_s", clock.Elapsed.TotalSeconds);
                    }
                    catch (TimeoutException e)
                    {
                        Console.WriteLine($"{size} {series}: (d) bare restore, {shape}, did not finish: {e.Message} ({BenchResults.Load()})");
                        BenchResults.Record($"{series} bare restore, {shape}", size, "full_sync_unfinished_s", limit.TotalSeconds);
                    }
                });
            }
        }
    }
    finally
    {
        Directory.Delete(manifests, recursive: true);
    }
}
return 0;

// (a) against (d), alternating, each in a fresh namespace: the full sync end to end, then the bare restore of the payload
// it sends (one COMMIT on legacy; staged on nf_tables, where one COMMIT does not finish).
async Task PairsAsync(int size, IptablesVariant variant, ClusterObjects objects, string payload)
{
    var tool = IptablesSelection.Executable("iptables-restore", variant);
    var full = new List<double>();
    var bare = new List<double>();
    for (var i = 1; i <= pairs; i++)
    {
        await InNamespaceAsync(async runner =>
        {
            var backend = new IptablesBackend(new IptablesWrapper(runner, variant, NullLogger<IptablesWrapper>.Instance), new NoSysctl(),
                new IptablesOptions(), NullLogger<IptablesBackend>.Instance);
            var clock = Stopwatch.StartNew();
            var model = new IncrementalReconciler().Reconcile(objects, node, options);
            await backend.SyncAsync(model.States, full: true, CancellationToken.None);
            full.Add(clock.Elapsed.TotalMilliseconds);
        });
        await InNamespaceAsync(async runner =>
        {
            var clock = Stopwatch.StartNew();
            await runner.EnsureAsync(Command.Write(tool, payload, "-w", "5", "--noflush"));
            bare.Add(clock.Elapsed.TotalMilliseconds);
        });
        Console.WriteLine($"{size} iptables {variant.ToString().ToLowerInvariant()}: pair {i}: full sync {full[^1]:F0} ms, bare {tool} {bare[^1]:F0} ms, "
            + $"ratio {full[^1] / bare[^1]:F3} ({BenchResults.Load()})");
    }
    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
    var ratios = full.Zip(bare, (f, b) => f / b).ToList();
    Console.WriteLine($"{size} iptables {variant.ToString().ToLowerInvariant()}: {pairs} pairs: full sync median {Median(full):F0} ms, bare restore median {Median(bare):F0} ms, "
        + $"ratio of medians {Median(full) / Median(bare):F3}, median ratio {Median(ratios):F3} (all: {string.Join(", ", ratios.Select(r => r.ToString("F3", CultureInfo.InvariantCulture)))}) ({BenchResults.Load()})");
}

async Task InNamespaceAsync(Func<TimedNetnsRunner, Task> measure)
{
    Run("ip", "netns", "add", ns);
    try
    {
        Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        await measure(new TimedNetnsRunner(ns));
    }
    finally
    {
        Run("ip", "netns", "del", ns);
    }
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
    process.WaitForExit();
}

/// <summary>The benchmark never changes kernel parameters (its namespaces start with the defaults it needs).</summary>
internal sealed class NoSysctl : ISysctl
{
    public string? Get(string path) => null;

    public void Set(string path, string value) => throw new InvalidOperationException($"the benchmark does not set {path}");
}
