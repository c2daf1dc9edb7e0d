using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// A kube-proxy-sharp daemon in the node namespace over a manifests directory, started and stopped the ways the fault
/// scenarios need: up once it logs its first sync, ended by SIGTERM or SIGKILL (by its pid only).
/// </summary>
internal sealed class RunningProxy : IDisposable
{
    /// <summary>How long a daemon may take to start and sync (not a figure: startup is measured by the benchmarks).</summary>
    public static readonly TimeSpan StartDeadline = TimeScale.Of(TimeSpan.FromSeconds(45));

    /// <summary>What the daemon's log line of each successful sync ("Synced ... rules") starts with.</summary>
    private const string SyncedEvent = "ProxyDaemon[100]";

    private static readonly IPEndPoint MetricsAddress = new(IPAddress.Loopback, 10249);

    private readonly Topology topology;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> lines = new();
    private bool disposed;

    private RunningProxy(Topology topology, Process process)
    {
        this.topology = topology;
        Process = process;
    }

    public Process Process { get; }

    /// <summary>Starts the daemon without waiting; <see cref="Synced"/> completes at its first sync.</summary>
    public static RunningProxy Start(Topology topology, string mode, string manifests, IReadOnlyDictionary<string, string>? environment, params string[] extra) =>
        Start(topology, environment, ["--manifests", manifests, "--proxy-mode", mode, "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1", .. extra]);

    /// <summary>Starts the daemon with these arguments, its output in the test's (ip netns exec execs it: the pid is the daemon's).</summary>
    public static RunningProxy Start(Topology topology, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["netns", "exec", topology.Node, Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp"), .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var proxy = new RunningProxy(topology, new Process { StartInfo = info });
        var output = TestContext.Current.TestOutputHelper;
        void Log(string? line)
        {
            if (line is null)
            {
                return;
            }
            proxy.lines.Enqueue(line);
            // The first sync is known from the log, not by polling /metrics: the BCL's HttpListener crashes the process
            // when a connection arrives while it starts listening (ArgumentNullException in HttpEndPointListener.ProcessAccept).
            if (line.Contains(SyncedEvent, StringComparison.Ordinal))
            {
                proxy.synced.TrySetResult();
            }
            try
            {
                output?.WriteLine($"proxy: {line}");
            }
            catch (InvalidOperationException)
            {
                // The test is over; its output is closed.
            }
        }
        proxy.Process.OutputDataReceived += (_, e) => Log(e.Data);
        proxy.Process.ErrorDataReceived += (_, e) => Log(e.Data);
        proxy.Process.Start();
        proxy.Process.BeginOutputReadLine();
        proxy.Process.BeginErrorReadLine();
        return proxy;
    }

    /// <summary>Starts the daemon and returns once its first sync is done.</summary>
    public static async Task<RunningProxy> StartAsync(Topology topology, string mode, string manifests, IReadOnlyDictionary<string, string>? environment = null, params string[] extra) =>
        await Started(Start(topology, mode, manifests, environment, extra));

    /// <summary>Waits for <paramref name="proxy"/>'s first sync (failing if it exits first) and returns it.</summary>
    public static async Task<RunningProxy> Started(RunningProxy proxy)
    {
        var exited = proxy.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(proxy.synced.Task, exited, Task.Delay(StartDeadline, TestContext.Current.CancellationToken));
        Assert.True(first == proxy.synced.Task, proxy.Process.HasExited ? $"the daemon exited {proxy.Process.ExitCode} before its first sync" : $"no first sync within {StartDeadline}");
        return proxy;
    }

    /// <summary>How many log lines so far contain <paramref name="text"/> (one line per event: the daemon logs single lines).</summary>
    public int Logged(string text) => lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>How many syncs have succeeded so far (each logs "Synced ... rules"): the scenarios count syncs, not seconds.</summary>
    public int Syncs => Logged(SyncedEvent);

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
        if (disposed)
        {
            return;
        }
        disposed = true;
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }
        Process.Dispose();
    }
}
