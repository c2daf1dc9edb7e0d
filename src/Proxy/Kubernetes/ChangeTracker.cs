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

    public void EndpointsChanged(string serviceKey)
    {
        lock (gate)
        {
            endpoints.Add(serviceKey);
            EndpointChangesTotal++;
        }
    }

    /// <summary>Called as a sync starts: what it will include. A failed sync gives them back with <see cref="Restore"/>.</summary>
    public (IReadOnlySet<string> Services, IReadOnlySet<string> Endpoints) Take()
    {
        lock (gate)
        {
            var taken = (services, endpoints);
            services = new(StringComparer.Ordinal);
            endpoints = new(StringComparer.Ordinal);
            return taken;
        }
    }

    public void Restore((IReadOnlySet<string> Services, IReadOnlySet<string> Endpoints) taken)
    {
        lock (gate)
        {
            services.UnionWith(taken.Services);
            endpoints.UnionWith(taken.Endpoints);
        }
    }
}
