using System.Globalization;

namespace Proxy.Observability;

/// <summary>
/// upstream's proxier health: unhealthy when a queued sync has not completed within the health timeout
/// (2 × sync period); /healthz is also unhealthy while the node is being deleted or tainted for deletion by the
/// cluster autoscaler, so load balancers drain it. Thread-safe.
/// </summary>
public sealed class ProxierHealth(TimeSpan timeout, TimeProvider time)
{
    private readonly Lock gate = new();
    private DateTimeOffset? oldestQueued;
    private DateTimeOffset lastUpdated;
    private bool nodeEligible = true;

    /// <summary>A change arrived: a sync is now owed.</summary>
    public void QueuedUpdate()
    {
        lock (gate)
        {
            oldestQueued ??= time.GetUtcNow();
        }
    }

    /// <summary>A sync completed: nothing is owed any more.</summary>
    public void Updated()
    {
        lock (gate)
        {
            lastUpdated = time.GetUtcNow();
            oldestQueued = null;
        }
    }

    public void SetNodeEligible(bool eligible)
    {
        lock (gate)
        {
            nodeEligible = eligible;
        }
    }

    /// <summary>The status and JSON body of /healthz (<paramref name="includeNode"/>) or /livez, as upstream writes them.</summary>
    public (bool Healthy, string Body) Report(bool includeNode)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            var proxierHealthy = oldestQueued is not { } queued || now - queued <= timeout;
            var body = $"{{\"lastUpdated\": \"{Format(lastUpdated)}\",\"currentTime\": \"{Format(now)}\"";
            if (!includeNode)
            {
                return (proxierHealthy, body + "}");
            }
            return (proxierHealthy && nodeEligible, body + $", \"nodeEligible\": {(nodeEligible ? "true" : "false")}}}");
        }
    }

    /// <summary>Go's time.Time.String() layout, which upstream's body carries.</summary>
    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 'UTC'", CultureInfo.InvariantCulture);
}
