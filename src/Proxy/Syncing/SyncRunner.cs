using System.Threading.Channels;

namespace Proxy.Syncing;

/// <summary>
/// Runs syncs one at a time with upstream's bounded-frequency rules: a sync starts no sooner than <c>minInterval</c>
/// after the previous one started (so a burst of events coalesces into one sync), a periodic sync runs every
/// <c>maxInterval</c> whether or not events came meanwhile, and after a failure the next sync is retried after
/// <c>retryInterval</c>.
/// </summary>
/// <remarks>
/// Which syncs are full, as upstream's iptables and nftables proxiers decide it: the first, any sync after a failure,
/// and a periodic one when the last full sync is <see cref="FullSyncPeriod"/> old. Every other sync is partial. A
/// periodic sync first asks whether the kernel lost what was applied (<c>drifted</c>, upstream's canary
/// <c>Monitor</c>, which also checks every sync period) and is full when it did. A requested sync never asks: the
/// latency of one changed endpoint is what it is for.
/// </remarks>
public sealed class SyncRunner
{
    /// <summary>
    /// How old the last full sync may get before a periodic sync is full again: upstream's proxyutil.FullSyncPeriod.
    /// A full sync reads back and rewrites everything we own (seconds at 10k services), so it is not paid every sync
    /// period; the drift check covers what someone else deletes in between.
    /// </summary>
    public static readonly TimeSpan FullSyncPeriod = TimeSpan.FromHours(1);

    private readonly Func<bool, CancellationToken, Task<bool>> sync;
    private readonly Func<CancellationToken, Task<bool>> drifted;
    private readonly TimeSpan minInterval;
    private readonly TimeSpan maxInterval;
    private readonly TimeSpan retryInterval;
    private readonly TimeProvider time;
    private readonly Channel<bool> requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="sync">Runs one sync (the argument says whether it must be full); returns false when it failed.</param>
    /// <param name="drifted">Whether the kernel lost what was applied; asked before each periodic sync that would be partial.</param>
    public SyncRunner(
        Func<bool, CancellationToken, Task<bool>> sync,
        Func<CancellationToken, Task<bool>> drifted,
        TimeSpan minInterval,
        TimeSpan maxInterval,
        TimeSpan retryInterval,
        TimeProvider time)
    {
        this.sync = sync;
        this.drifted = drifted;
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
        var fullOwed = true;
        DateTimeOffset? lastStart = null;
        var lastFull = DateTimeOffset.MinValue;
        var nextPeriodic = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = pending ? now : nextPeriodic;
            if (lastStart is { } last && last + minInterval > due)
            {
                due = last + minInterval;
            }
            if (due > now)
            {
                pending |= await WaitForRequestAsync(due - now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var periodic = now >= nextPeriodic;
            var full = fullOwed || (periodic && (now - lastFull >= FullSyncPeriod || await drifted(cancellationToken).ConfigureAwait(false)));
            pending = false;
            lastStart = now;
            var ok = await sync(full, cancellationToken).ConfigureAwait(false);
            var end = time.GetUtcNow();
            fullOwed = !ok;
            if (!ok)
            {
                nextPeriodic = end + retryInterval;
                continue;
            }
            if (full)
            {
                lastFull = now;
            }
            // A requested partial sync leaves the periodic one where it was: events never postpone the drift check.
            if (periodic || full)
            {
                nextPeriodic = end + maxInterval;
            }
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
