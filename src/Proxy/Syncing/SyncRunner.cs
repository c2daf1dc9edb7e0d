using System.Threading.Channels;

namespace Proxy.Syncing;

/// <summary>
/// Runs syncs one at a time with upstream's bounded-frequency rules: a requested sync starts no sooner than
/// <c>minInterval</c> after the previous one started (so a burst of events coalesces into one sync), a sync
/// runs at least every <c>maxInterval</c> even when nothing is requested, and after a failure the next sync
/// is retried after <c>retryInterval</c>. A periodic sync and the sync after a failure are full syncs.
/// </summary>
public sealed class SyncRunner
{
    private readonly Func<bool, CancellationToken, Task<bool>> sync;
    private readonly TimeSpan minInterval;
    private readonly TimeSpan maxInterval;
    private readonly TimeSpan retryInterval;
    private readonly TimeProvider time;
    private readonly Channel<bool> requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="sync">Runs one sync (the argument says whether it must be full); returns false when it failed.</param>
    public SyncRunner(Func<bool, CancellationToken, Task<bool>> sync, TimeSpan minInterval, TimeSpan maxInterval, TimeSpan retryInterval, TimeProvider time)
    {
        this.sync = sync;
        this.minInterval = minInterval;
        this.maxInterval = maxInterval;
        this.retryInterval = retryInterval;
        this.time = time;
    }

    /// <summary>Asks for a sync; many requests before it starts make one sync.</summary>
    public void Request() => requests.Writer.TryWrite(true);

    /// <summary>Syncs at once (full), then keeps syncing by the rules above until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pending = true;
        var full = true;
        DateTimeOffset? lastStart = null;
        var nextForced = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = nextForced;
            if (pending)
            {
                var earliest = lastStart is { } last ? last + minInterval : now;
                due = earliest < due ? earliest : due;
            }
            if (due > now)
            {
                pending |= await WaitForRequestAsync(due - now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // A forced (periodic or retry) sync rewrites everything; a requested one may be partial.
            full |= now >= nextForced;
            pending = false;
            lastStart = now;
            var ok = await sync(full, cancellationToken).ConfigureAwait(false);
            full = !ok;
            nextForced = time.GetUtcNow() + (ok ? maxInterval : retryInterval);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/>; true when a request arrived meanwhile.</summary>
    private async Task<bool> WaitForRequestAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await requests.Reader.WaitToReadAsync(either.Token).ConfigureAwait(false) && requests.Reader.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            return false; // the timeout, or shutdown: the loop condition tells them apart
        }
    }
}
