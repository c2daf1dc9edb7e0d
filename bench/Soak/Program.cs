using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using k8s.Models;
using Proxy.Bench;
using Proxy.Testing.FakeApi;

// Usage (root): dotnet run --project bench/Soak -c Release [-- MINUTES [SERVICES [MODE]]] [--churn N] [--interval SECONDS]
//   MINUTES: how long the churn runs (default 30); SERVICES: default 1000 (× 10 endpoints, the mix of
//   Shared/SyntheticCluster.cs); MODE: iptables (default) or nftables; --churn: EndpointSlices changed per interval
//   (default 10: each moves one endpoint to a new address, so a chain or element goes and another comes);
//   --interval: seconds between changes (default 1, more than the default --min-sync-period).
// The daemon runs in a namespace of its own against the fake API server (a watch, as in a cluster). Every 15 s it
// records the daemon's RSS, open fds and threads, and the syncs finished since (count, median and max duration, from its
// log), to stdout and bench/results/soak/MODE.tsv, which `dotnet run --project bench/Plot -- soak` draws.
var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToList();
var minutes = positional.Count > 0 ? double.Parse(positional[0], CultureInfo.InvariantCulture) : 30;
var size = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 1000;
var mode = positional.Count > 2 ? positional[2] : "iptables";
var churn = Option("--churn", 10);
var interval = TimeSpan.FromSeconds(Option("--interval", 1));
var sampleEvery = TimeSpan.FromSeconds(15);

var ns = $"kpsoak{Environment.ProcessId % 100000}";
var work = Directory.CreateTempSubdirectory("kps-soak-").FullName;
var output = Path.Combine(BenchResults.RepositoryRoot(), "bench", "results", "soak", $"{mode}.tsv");
Process? proxy = null;
Run("ip", "netns", "add", ns);
try
{
    Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    await using var server = FakeApiServer.Start(port => NetworkNamespace.Listen(ns, new IPEndPoint(IPAddress.Loopback, port)));
    var cluster = SyntheticCluster.Objects(size, generation: 0);
    foreach (var node in cluster.Nodes)
    {
        server.Apply(node);
    }
    foreach (var service in cluster.Services)
    {
        server.Apply(service);
    }
    var slices = cluster.EndpointSlices.ToArray();
    foreach (var slice in slices)
    {
        server.Apply(slice);
    }
    var kubeconfig = Kubeconfig.Write(Path.Combine(work, "kubeconfig"), server.Url);

    // Each finished sync logs its duration: "Synced iptables rules (partial): … in 12.3 ms".
    var syncs = new ConcurrentQueue<(bool Full, double Ms)>();
    var synced = new Regex(@"Synced \w+ rules \((full|partial)\).* in ([0-9.]+) ms", RegexOptions.CultureInvariant);
    void Read(string? line)
    {
        if (line is not null && synced.Match(line) is { Success: true } m)
        {
            syncs.Enqueue((m.Groups[1].Value == "full", double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
        }
    }
    var exe = Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");
    proxy = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, exe, "--kubeconfig", kubeconfig, "--proxy-mode", mode,
        "--hostname-override", SyntheticCluster.NodeName, "--cluster-cidr", SyntheticCluster.ClusterCidr])
    {
        RedirectStandardError = true,
        RedirectStandardOutput = true,
    })!;
    proxy.ErrorDataReceived += (_, e) => Read(e.Data);
    proxy.OutputDataReceived += (_, e) => Read(e.Data);
    proxy.BeginErrorReadLine();
    proxy.BeginOutputReadLine();
    // Started once the first sync is logged; the figures start from there.
    var startup = Stopwatch.StartNew();
    while (syncs.IsEmpty)
    {
        if (proxy.HasExited || startup.Elapsed > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException($"the daemon did not sync within {startup.Elapsed} (exited: {proxy.HasExited})");
        }
        await Task.Delay(100);
    }
    Console.WriteLine($"{size} services, {mode}: first sync {syncs.First().Ms:F0} ms; churning {churn} slices every {interval.TotalSeconds} s for {minutes} min ({BenchResults.Load()})");

    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    using var tsv = new StreamWriter(output) { AutoFlush = true };
    tsv.WriteLine($"# bench/Soak, {minutes} min: {size} services × {SyntheticCluster.Endpoints} endpoints, {mode}, {churn} slices every {interval.TotalSeconds} s; {DateTime.UtcNow:u}");
    tsv.WriteLine("minute\trss_mib\tfds\tthreads\tsyncs\tsync_median_ms\tsync_max_ms\tload");
    var random = new Random(1);
    var generation = new int[size];
    var clock = Stopwatch.StartNew();
    var nextSample = TimeSpan.Zero;
    var changes = 0L;
    while (clock.Elapsed < TimeSpan.FromMinutes(minutes))
    {
        if (clock.Elapsed >= nextSample)
        {
            var window = new List<double>();
            while (syncs.TryDequeue(out var sync))
            {
                window.Add(sync.Ms);
            }
            window.Sort();
            var (rss, fds, threads) = Stats(proxy.Id);
            var row = string.Join('\t', new double[]
            {
                clock.Elapsed.TotalMinutes, rss, fds, threads, window.Count,
                window.Count == 0 ? double.NaN : window[window.Count / 2], window.Count == 0 ? double.NaN : window[^1], LoadAverage(),
            }.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)));
            tsv.WriteLine(row);
            Console.WriteLine($"{clock.Elapsed:mm\\:ss} RSS {rss:F0} MiB, {fds} fds, {threads} threads, {window.Count} syncs (median {(window.Count == 0 ? 0 : window[window.Count / 2]):F0} ms, max {(window.Count == 0 ? 0 : window[^1]):F0} ms), {changes} slice changes");
            nextSample += sampleEvery;
        }
        if (proxy.HasExited)
        {
            throw new InvalidOperationException($"the daemon exited {proxy.ExitCode} during the soak");
        }
        for (var c = 0; c < churn; c++)
        {
            var i = random.Next(size);
            // Generations 0–3 keep every address inside 10.128.0.0/9; each change is a new address for the first endpoint.
            generation[i] = (generation[i] + 1) % 4;
            server.Apply(Moved(slices[i], i, generation[i]));
            changes++;
        }
        await Task.Delay(interval);
    }
    Console.WriteLine($"done: {changes} slice changes in {clock.Elapsed.TotalMinutes:F1} min; figures in {output}");
}
finally
{
    if (proxy is { HasExited: false })
    {
        proxy.Kill();
        await proxy.WaitForExitAsync();
    }
    Run("ip", "netns", "del", ns);
    Directory.Delete(work, recursive: true);
}
return 0;

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

// The same slice with its first endpoint at generation g's address (the others and their conditions unchanged).
static V1EndpointSlice Moved(V1EndpointSlice slice, int service, int g)
{
    var first = slice.Endpoints[0];
    V1Endpoint[] endpoints = [new V1Endpoint
    {
        Addresses = [SyntheticCluster.Address(service, 0, g)],
        Conditions = first.Conditions,
        NodeName = first.NodeName,
        Zone = first.Zone,
        Hints = first.Hints,
    }, .. slice.Endpoints.Skip(1)];
    return new V1EndpointSlice
    {
        ApiVersion = slice.ApiVersion,
        Kind = slice.Kind,
        Metadata = new V1ObjectMeta { Name = slice.Metadata.Name, NamespaceProperty = slice.Metadata.NamespaceProperty, Labels = slice.Metadata.Labels },
        AddressType = slice.AddressType,
        Ports = slice.Ports,
        Endpoints = endpoints,
    };
}

static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

// RSS (VmRSS, MiB), open fds and threads of the daemon now.
static (double Rss, int Fds, int Threads) Stats(int pid)
{
    var status = File.ReadAllLines($"/proc/{pid}/status");
    double Field(string name) => double.Parse(status.First(l => l.StartsWith(name, StringComparison.Ordinal)).Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    return (Field("VmRSS:") / 1024, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length, (int)Field("Threads:"));
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}");
    }
}
