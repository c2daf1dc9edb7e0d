namespace Proxy.Kubernetes;

/// <summary>
/// Which services had a Service or EndpointSlice change since the last successful sync, and how many changes
/// there were in all (upstream's *_changes_pending and *_changes_total). Thread-safe: informers write, the
/// sync loop reads.
/// </summary>
public sealed class ChangeTracker
{
    private readonly Lock gate = new();
    private HashSet<string> services = new(StringComparer.Ordinal);
    private HashSet<string> endpoints = new(StringComparer.Ordinal);
    private List<DateTimeOffset> triggers = [];

    public long ServiceChangesTotal { get; private set; }

    public long EndpointChangesTotal { get; private set; }

    public int ServiceChangesPending
    {
        get
        {
            lock (gate)
            {
                return services.Count;
            }
        }
    }

    public int EndpointChangesPending
    {
        get
        {
            lock (gate)
            {
                return endpoints.Count;
            }
        }
    }

    public void ServiceChanged(string serviceKey)
    {
        lock (gate)
        {
            services.Add(serviceKey);
            ServiceChangesTotal++;
        }
    }

    /// <param name="triggerTime">The EndpointSlice's endpoints.kubernetes.io/last-change-trigger-time, when it has one.</param>
    public void EndpointsChanged(string serviceKey, DateTimeOffset? triggerTime = null)
    {
        lock (gate)
        {
            endpoints.Add(serviceKey);
            EndpointChangesTotal++;
            if (triggerTime is { } t)
            {
                triggers.Add(t);
            }
        }
    }

    /// <summary>Called as a sync starts: what it will include. A failed sync gives them back with <see cref="Restore"/>.</summary>
    public PendingChanges Take()
    {
        lock (gate)
        {
            var taken = new PendingChanges(services, endpoints, triggers);
            services = new(StringComparer.Ordinal);
            endpoints = new(StringComparer.Ordinal);
            triggers = [];
            return taken;
        }
    }

    public void Restore(PendingChanges taken)
    {
        lock (gate)
        {
            services.UnionWith(taken.Services);
            endpoints.UnionWith(taken.Endpoints);
            triggers.AddRange(taken.TriggerTimes);
        }
    }
}
