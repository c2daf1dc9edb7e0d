using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Ipvs;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Bench;
using Proxy.Bench.Ipvs;
using Proxy.Host;
using Proxy.Reconciling;

// Usage (root, on a kernel with ip_vs; here: bench/ipvs-vm.sh runs it inside the IPVS VM):
//   dotnet bench/Ipvs/bin/Release/net10.0/Ipvs.dll [1000,10000]
// It makes its own network namespace and runs itself inside it (--inside), so nothing touches the caller's namespace.
if (args.Length > 0 && args[0] == "--inside")
{
    await MeasureAsync(args.Length > 1 ? args[1] : "1000");
    return 0;
}
var ns = $"kpbipvs{Environment.ProcessId % 10000}";
Run("ip", "netns", "add", ns);
try
{
    // Run as an apphost or as "dotnet Ipvs.dll": start the same way inside.
    string[] self = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet"
        ? [Environment.ProcessPath!, typeof(SyntheticCluster).Assembly.Location]
        : [Environment.ProcessPath!];
    using var inside = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, .. self, "--inside", args.Length > 0 ? args[0] : "1000"]))!;
    await inside.WaitForExitAsync();
    return inside.ExitCode;
}
finally
{
    Run("ip", "netns", "del", ns);
}

static async Task MeasureAsync(string sizes)
{
    Run("ip", "link", "set", "lo", "up");
    // A node address for the node ports, on a dummy of our own (this namespace has no other link).
    Run("ip", "link", "add", "bench0", "type", "dummy");
    Run("ip", "addr", "add", "192.0.2.1/24", "dev", "bench0");
    var options = SyntheticCluster.Options;
    var node = SyntheticCluster.Node;
    foreach (var size in sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
    {
        var runner = new TimedRunner();
        var ipvs = new TimedIpvsClient(new IpvsNetlinkClient());
        using var links = new RouteNetlinkClient();
        using var backend = new IpvsBackend(runner, () => ipvs, links, new ProcSysctl(), new IpvsOptions(), NullLogger<IpvsBackend>.Instance);
        var objects = SyntheticCluster.Objects(size, generation: 0);
        var reconciler = new IncrementalReconciler();

        // (a) first full sync from an empty kernel.
        var clock = Stopwatch.StartNew();
        var model = reconciler.Reconcile(objects, node, options);
        var modelMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        await backend.SyncAsync(model.States, full: true, CancellationToken.None);
        var syncMs = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine($"{size} services x {SyntheticCluster.Endpoints}: first full sync {syncMs:F0} ms (+ model {modelMs:F0} ms): "
            + $"IPVS {ipvs.Operations} operations in {ipvs.Changes.TotalMilliseconds:F0} ms, dumps {ipvs.Dumps.TotalMilliseconds:F0} ms, {Tools(runner)}; "
            + $"the rest (addresses over rtnetlink, planning) {syncMs - ipvs.Changes.TotalMilliseconds - ipvs.Dumps.TotalMilliseconds - runner.ByTool.Values.Sum(t => t.TotalMilliseconds):F0} ms");
        var services = ipvs.GetServices();
        Console.WriteLine($"{size}: kernel holds {services.Count} virtual servers, {services.Sum(s => ipvs.GetDestinations(s).Count)} real servers, "
            + $"{links.GetAddresses(Proxy.Core.Model.IpFamily.IPv4).Count(a => a.PrefixLength == 32)} addresses on kube-ipvs0");

        // (b) a full resync (hourly, or after drift) with nothing changed: dump and compare, rewrite sets and rules.
        ipvs.Reset();
        runner.ByTool.Clear();
        clock.Restart();
        await backend.SyncAsync(model.States, full: true, CancellationToken.None);
        Console.WriteLine($"{size}: full resync, nothing changed: {clock.Elapsed.TotalMilliseconds:F0} ms (dumps {ipvs.Dumps.TotalMilliseconds:F0} ms, "
            + $"{ipvs.Operations} operations, {Tools(runner)})");

        // (c) one endpoint of one service changed: reconcile + partial sync, median and max of 10.
        var samples = new List<double>();
        for (var g = 1; g <= 10; g++)
        {
            var changed = SyntheticCluster.WithOneEndpointMoved(objects, g);
            ipvs.Reset();
            clock.Restart();
            var next = reconciler.Reconcile(changed, node, options);
            var result = await backend.SyncAsync(next.States, full: false, CancellationToken.None);
            samples.Add(clock.Elapsed.TotalMilliseconds);
            if (result.Full)
            {
                throw new InvalidOperationException("expected a partial sync");
            }
        }
        samples.Sort();
        Console.WriteLine($"{size}: one endpoint changed: median {samples[5]:F1} ms, max {samples[^1]:F1} ms end to end (last: {ipvs.Operations} IPVS operations)");
        Console.WriteLine($"{size}: this process' peak RSS {SyntheticCluster.PeakRssMiB(Environment.ProcessId):F0} MiB");
        await backend.CleanupAsync(CancellationToken.None);
    }
}

static string Tools(TimedRunner runner) => string.Join(", ", runner.ByTool.Select(t => $"{t.Key} {t.Value.TotalMilliseconds:F0} ms"));

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
    }
}
