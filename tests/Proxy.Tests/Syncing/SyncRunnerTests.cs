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
            Min, Max, Retry, time);
        loop = Task.Run(() => runner.RunAsync(stop.Token));
        return runner;
    }

    /// <summary>Advances fake time in small steps, letting the loop run between them.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(100);
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
    public async Task AQuietSystemStillSyncsFullyEverySyncPeriod()
    {
        Start();
        await AdvanceAsync(TimeSpan.FromSeconds(61));

        var all = Syncs();
        Assert.Equal(3, all.Count);
        Assert.All(all, s => Assert.True(s.Full));
        Assert.InRange(all[1].At, Max, Max + TimeSpan.FromMilliseconds(200));
        Assert.InRange(all[2].At, 2 * Max, (2 * Max) + TimeSpan.FromMilliseconds(400));
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
    }
}
