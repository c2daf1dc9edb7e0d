using System.Collections.Concurrent;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// New connections at a steady rate to several targets, each from its own namespace, until stopped: every one of them
/// must be answered. A tick the loaded machine misses is skipped (the rate is a ceiling), and the count is reported.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly ConcurrentBag<(string Target, ProbeResult Result, DateTime Started)> results = [];
    private readonly ConcurrentBag<Task> running = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public SteadyLoad(int perSecond, params (string From, string Ip, int Port)[] targets) => loop = RunAsync(perSecond, targets);

    public IReadOnlyCollection<(string Target, ProbeResult Result, DateTime Started)> Results => results;

    /// <summary>Stops opening connections and waits for the open ones to end.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        await Task.WhenAll(running);
    }

    /// <summary>
    /// Counts per target and outcome; for a failure, the first one and when each began (UTC, as the proxy's log lines),
    /// so a lost connection can be set beside the restart that lost it.
    /// </summary>
    public string Describe() => string.Join("; ", results.GroupBy(r => $"{r.Target} {r.Result.Outcome}").OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Count()}× {g.Key}{(g.First().Result.Outcome == ProbeOutcome.Answered ? "" : $" (first: {g.First().Result}; began at {string.Join(", ", g.Select(r => r.Started).Order().Take(10).Select(Clock))})")}"));

    /// <summary>A UTC time as the proxy's log lines print it, to set the two side by side.</summary>
    public static string Clock(DateTime utc) => utc.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        stop.Dispose();
    }

    private async Task RunAsync(int perSecond, (string From, string Ip, int Port)[] targets)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var n = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var (from, ip, port) = targets[n++ % targets.Length];
                running.Add(Task.Run(async () =>
                {
                    var started = DateTime.UtcNow;
                    results.Add(($"{ip}:{port}", await Topology.ProbeAsync(from, ip, port), started));
                }));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
