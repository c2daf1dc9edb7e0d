using System.Diagnostics;
using System.Globalization;
using System.Net;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// A kube-proxy-sharp daemon in the node namespace over a manifests directory, started and stopped the ways the fault
/// scenarios need: up once its first sync is published on /metrics, ended by SIGTERM or SIGKILL (by its pid only).
/// </summary>
internal sealed class RunningProxy : IDisposable
{
    /// <summary>How long a daemon may take to start and sync (not a figure: startup is measured by the benchmarks).</summary>
    public static readonly TimeSpan StartDeadline = TimeScale.Of(TimeSpan.FromSeconds(45));

    private static readonly IPEndPoint MetricsAddress = new(IPAddress.Loopback, 10249);

    private readonly Topology topology;

    private RunningProxy(Topology topology, Process process)
    {
        this.topology = topology;
        Process = process;
    }

    public Process Process { get; }

    public static Process Start(Topology topology, string mode, string manifests, IReadOnlyDictionary<string, string>? environment, params string[] extra) =>
        topology.StartProxy(environment ?? new Dictionary<string, string>(),
            ["--manifests", manifests, "--proxy-mode", mode, "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1", .. extra]);

    /// <summary>Starts the daemon and returns once its first sync is published.</summary>
    public static async Task<RunningProxy> StartAsync(Topology topology, string mode, string manifests, IReadOnlyDictionary<string, string>? environment = null, params string[] extra)
    {
        var proxy = new RunningProxy(topology, Start(topology, mode, manifests, environment, extra));
        await Eventually.HoldsAsync(async () =>
        {
            Assert.False(proxy.Process.HasExited, $"the daemon exited {(proxy.Process.HasExited ? proxy.Process.ExitCode : 0)} before its first sync");
            return await proxy.MetricAsync("kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"IPv4\"}") is > 0;
        }, "the daemon's first sync", StartDeadline);
        return proxy;
    }

    /// <summary>The value of one series on the daemon's /metrics, or null while it is not served or has no such sample.</summary>
    public async Task<double?> MetricAsync(string series)
    {
        HttpProbe.Answer? answer;
        try
        {
            answer = await HttpProbe.GetAsync(topology.Node, MetricsAddress, "/metrics", TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        var line = answer?.Body.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>SIGTERM, as a rolling update does; the daemon must exit 0 and leave its rules.</summary>
    public async Task TerminateAsync()
    {
        await Shell.CheckedAsync("kill", "-TERM", Process.Id.ToString(CultureInfo.InvariantCulture));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeScale.Of(TimeSpan.FromSeconds(20)));
        await Process.WaitForExitAsync(deadline.Token);
        Assert.Equal(0, Process.ExitCode);
    }

    /// <summary>SIGKILL: no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        Process.Kill();
        await Process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The daemon's child processes (the kernel tools it runs), by pid, from /proc.</summary>
    public IReadOnlyList<int> Children()
    {
        try
        {
            return [.. Directory.GetDirectories($"/proc/{Process.Id}/task")
                .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }
        Process.Dispose();
    }

    /// <summary>Wraps a daemon started without waiting (to kill it mid-sync).</summary>
    public static RunningProxy Unstarted(Topology topology, Process process) => new(topology, process);
}
