using System.Globalization;
using System.Text.Json.Nodes;
using Proxy.Core.Model;

namespace Proxy.Observability;

/// <summary>
/// upstream's ProxyHealthServer state (pkg/proxy/healthcheck/proxy_health.go), per IP family as its per-family
/// proxiers report: a family is unhealthy when a queued update has not been synced within the health timeout (2 × sync
/// period); a family that has not started is not judged. /healthz is also unhealthy while the node is not eligible:
/// its Node object is not known, being deleted, or tainted ToBeDeletedByClusterAutoscaler. Thread-safe.
/// </summary>
public sealed class ProxierHealth(TimeSpan timeout, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<IpFamily, DateTimeOffset> lastUpdated = [];
    private readonly Dictionary<IpFamily, DateTimeOffset> oldestQueued = [];

    // Upstream reads the Node at each request and finds none until its informer has; here the daemon says so at each sync.
    private bool nodeEligible;

    /// <summary>The sync loop of these families starts: each counts as updated now (upstream's SyncLoop does so, in case no sync ever succeeds).</summary>
    public void Started(IEnumerable<IpFamily> families)
    {
        lock (gate)
        {
            foreach (var family in families)
            {
                lastUpdated[family] = time.GetUtcNow();
            }
        }
    }

    /// <summary>A change arrived for <paramref name="family"/>: a sync is now owed.</summary>
    public void QueuedUpdate(IpFamily family)
    {
        lock (gate)
        {
            oldestQueued.TryAdd(family, time.GetUtcNow());
        }
    }

    /// <summary><paramref name="family"/>'s sync completed: nothing is owed there any more.</summary>
    public void Updated(IpFamily family)
    {
        lock (gate)
        {
            lastUpdated[family] = time.GetUtcNow();
            oldestQueued.Remove(family);
        }
    }

    /// <summary><paramref name="family"/> is not programmed on this node (no proxier for it upstream): it is no longer judged.</summary>
    public void Forget(IpFamily family)
    {
        lock (gate)
        {
            lastUpdated.Remove(family);
            oldestQueued.Remove(family);
        }
    }

    public void SetNodeEligible(bool eligible)
    {
        lock (gate)
        {
            nodeEligible = eligible;
        }
    }

    /// <summary>
    /// The status and JSON body of /healthz (<paramref name="includeNode"/>) or /livez, as upstream's handlers write
    /// them: lastUpdated (the latest family's; now when healthy, as older releases did), currentTime, nodeEligible
    /// (/healthz only), healthy, and status per family with its own lastUpdated and healthy.
    /// </summary>
    public (bool Healthy, string Body) Report(bool includeNode)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            var status = new JsonObject();
            var healthy = true;
            var latest = DateTimeOffset.MinValue;
            foreach (var (family, updated) in lastUpdated.OrderBy(f => ProxyMetrics.Label(f.Key), StringComparer.Ordinal))
            {
                latest = updated > latest ? updated : latest;
                var familyHealthy = !oldestQueued.TryGetValue(family, out var queued) || now - queued < timeout;
                healthy &= familyHealthy;
                status[ProxyMetrics.Label(family)] = new JsonObject { ["lastUpdated"] = Format(updated), ["healthy"] = familyHealthy };
            }
            var overall = includeNode ? healthy && nodeEligible : healthy;
            var body = new JsonObject
            {
                ["lastUpdated"] = Format(overall ? now : latest),
                ["currentTime"] = Format(now),
            };
            if (includeNode)
            {
                body["nodeEligible"] = nodeEligible;
            }
            body["healthy"] = healthy;
            if (status.Count > 0)
            {
                body["status"] = status;
            }
            return (overall, body.ToJsonString());
        }
    }

    /// <summary>Go's JSON spelling of a time.Time (RFC 3339 with nanoseconds, trailing zeros dropped); its zero time when never set.</summary>
    private static string Format(DateTimeOffset t)
    {
        if (t == DateTimeOffset.MinValue)
        {
            return "0001-01-01T00:00:00Z";
        }
        var text = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return text + "Z";
    }
}
