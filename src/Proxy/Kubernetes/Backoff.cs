namespace Proxy.Kubernetes;

/// <summary>
/// Exponential backoff with jitter between API attempts (initial 800 ms doubling to a 30 s cap, ±20 %
/// jitter, like client-go's reflector), so a fleet of proxies does not hammer a recovering API server in step.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random random)
{
    private readonly TimeSpan first = initial;
    private TimeSpan next = initial;

    /// <summary>The longest wait between two attempts: after an outage, the API server may be back this long before we notice.</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    public static Backoff Default() => new(TimeSpan.FromMilliseconds(800), Cap, Random.Shared);

    /// <summary>The wait before the next attempt; each call doubles the following one up to the cap.</summary>
    public TimeSpan Next()
    {
        var current = next;
        next = TimeSpan.FromTicks(Math.Min(max.Ticks, next.Ticks * 2));
        var jitter = 0.8 + (random.NextDouble() * 0.4);
        return TimeSpan.FromTicks((long)(current.Ticks * jitter));
    }

    public void Reset() => next = first;
}
