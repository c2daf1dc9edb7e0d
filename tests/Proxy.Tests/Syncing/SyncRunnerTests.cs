using Microsoft.Extensions.Time.Testing;
using Proxy.Syncing;

namespace Proxy.Tests.Syncing;

public sealed class SyncRunnerTests : IAsyncDisposable
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CancellationTokenSource stop = new();
    private readonly List<(TimeSpan At, bool Full)> syncs = [];
    private readonly Queue<bool> outcomes = new();
    private readonly List<TimeSpan> driftChecks = [];
    private readonly Queue<bool> driftAnswers = new();
    private readonly DateTimeOffset start;
    private SyncRunner? runner;
    private Task? loop;

    public SyncRunnerTests() => start = time.GetUtcNow();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }
        stop.Dispose();
    }

    private SyncRunner Start()
    {
        runner = new SyncRunner(
            (full, _) =>
            {
                lock (syncs)
                {
                    syncs.Add((time.GetUtcNow() - start, full));
                }
                return Task.FromResult(outcomes.Count == 0 || outcomes.Dequeue());
            },
            _ =>
            {
                lock (syncs)
                {
                    driftChecks.Add(time.GetUtcNow() - start);
                }
                return Task.FromResult(driftAnswers.Count > 0 && driftAnswers.Dequeue());
            },
            Min, Max, Retry, time);
        loop = Task.Run(() => runner.RunAsync(stop.Token));
        return runner;
    }

    /// <summary>Advances fake time in small steps (100 ms unless told), letting the loop run between them.</summary>
    private async Task AdvanceAsync(TimeSpan by, TimeSpan? stepSize = null)
    {
        var step = stepSize ?? TimeSpan.FromMilliseconds(100);
        for (var left = by; left > TimeSpan.Zero; left -= step)
        {
            await Settle();
            time.Advance(left < step ? left : step);
        }
        await Settle();
    }

    private static async Task Settle()
    {
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(2);
        }
    }

    private List<(TimeSpan At, bool Full)> Syncs()
    {
        lock (syncs)
        {
            return [.. syncs];
        }
    }

    private List<TimeSpan> DriftChecks()
    {
        lock (syncs)
        {
            return [.. driftChecks];
        }
    }

    [Fact]
    public async Task TheFirstSyncIsFullAndImmediate()
    {
        Start();
        await AdvanceAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal([(TimeSpan.Zero, true)], Syncs());
    }

    [Fact]
    public async Task AHundredEventsWithinOneMinSyncPeriodGiveOneSync()
    {
        var r = Start();
        await AdvanceAsync(TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 100; i++)
        {
            r.Request();
            await AdvanceAsync(TimeSpan.FromMilliseconds(5));
        }
        await AdvanceAsync(TimeSpan.FromSeconds(2));

        var all = Syncs();
        Assert.Equal(2, all.Count);
        Assert.False(all[1].Full);
        Assert.True(all[1].At >= Min, $"second sync at {all[1].At} is sooner than min-sync-period after the first");
    }

    [Fact]
    public async Task AQuietSystemSyncsEverySyncPeriodPartiallyAfterAskingForDrift()
    {
        Start();
        await AdvanceAsync(TimeSpan.FromSeconds(61));

        var all = Syncs();
        Assert.Equal(3, all.Count);
        Assert.Equal([true, false, false], all.Select(s => s.Full));
        Assert.InRange(all[1].At, Max, Max + TimeSpan.FromMilliseconds(200));
        Assert.InRange(all[2].At, 2 * Max, (2 * Max) + TimeSpan.FromMilliseconds(400));
        // Asked right before each periodic sync, never before the first (full) one.
        Assert.Equal([all[1].At, all[2].At], DriftChecks());
    }

    [Fact]
    public async Task DriftMakesThatPeriodicSyncFullAndOnlyThatOne()
    {
        Start();
        driftAnswers.Enqueue(false);
        driftAnswers.Enqueue(true);
        await AdvanceAsync(TimeSpan.FromSeconds(91));

        Assert.Equal([true, false, true, false], Syncs().Select(s => s.Full));
        Assert.Equal(3, DriftChecks().Count);
    }

    [Fact]
    public async Task RequestedSyncsArePartialAndNeverAskForDrift()
    {
        var r = Start();
        await AdvanceAsync(TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 5; i++)
        {
            driftAnswers.Enqueue(true); // would make a sync full, were it asked
            r.Request();
            await AdvanceAsync(TimeSpan.FromSeconds(2));
        }

        var all = Syncs();
        Assert.Equal(6, all.Count);
        Assert.All(all.Skip(1), s => Assert.False(s.Full));
        Assert.Empty(DriftChecks());
    }

    [Fact]
    public async Task EventsDoNotPostponeThePeriodicSyncAndItsDriftCheck()
    {
        var r = Start();
        // A request every 5 s: the periodic sync still comes a sync period after the first one.
        for (var i = 0; i < 7; i++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(5));
            r.Request();
        }
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        var check = Assert.Single(DriftChecks());
        Assert.InRange(check, Max, Max + TimeSpan.FromMilliseconds(200));
        Assert.Contains(Syncs(), s => s.At == check);
    }

    [Fact]
    public async Task APeriodicSyncIsFullOnceTheLastFullSyncIsAnHourOld()
    {
        Start();
        // Whole sync periods at a time: the periodic syncs fall exactly on the steps (the fake clock stands still while syncing).
        await AdvanceAsync(SyncRunner.FullSyncPeriod + Max + TimeSpan.FromSeconds(1), Max);

        var all = Syncs();
        var fulls = all.Where(s => s.Full).Select(s => s.At).ToList();
        // Upstream's proxyutil.FullSyncPeriod: an hour.
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromHours(1)], fulls);
        Assert.Equal((int)(SyncRunner.FullSyncPeriod / Max) + 2, all.Count);
        // The hourly full sync needs no drift check; every other periodic sync asked.
        Assert.Equal(all.Count - 2, DriftChecks().Count);
        Assert.DoesNotContain(SyncRunner.FullSyncPeriod, DriftChecks());
    }

    [Fact]
    public async Task AFailureIsRetriedAfterTheRetryIntervalAndTheRetryIsFull()
    {
        var r = Start();
        await AdvanceAsync(TimeSpan.FromMilliseconds(100));
        outcomes.Enqueue(false);
        r.Request();
        await AdvanceAsync(TimeSpan.FromSeconds(8));

        var all = Syncs();
        Assert.Equal(3, all.Count);
        Assert.False(all[1].Full);
        Assert.True(all[2].Full);
        Assert.InRange(all[2].At - all[1].At, Retry, Retry + TimeSpan.FromMilliseconds(200));
        Assert.Empty(DriftChecks());
    }
}
