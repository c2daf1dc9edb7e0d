using System.Globalization;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.Kubernetes;

/// <summary>
/// Which services had a Service or EndpointSlice change since the last successful sync, how many changes there
/// were in all (upstream's *_changes_pending and *_changes_total), and the slices' trigger times for network
/// programming latency, per IP family of the slice (upstream's per-family proxiers each see only their family's
/// slices, and observe the latency in their family's series). Every source reports here, with the same keys: the
/// live source per informer event, the manifest source per object that differs from its last read. Thread-safe:
/// sources write, the sync loop reads.
/// </summary>
public sealed class ChangeTracker(TimeProvider time)
{
    /// <summary>Set by the EndpointSlice controller: when the change behind this version of the slice happened.</summary>
    public const string TriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

    /// <summary>
    /// As upstream's trackerStartTime: a trigger from before this tracker existed measures how long the proxy was
    /// not running, not how long programming took (a restart, or a manifest copied from a cluster days ago).
    /// </summary>
    private readonly DateTimeOffset started = time.GetUtcNow();

    private readonly Lock gate = new();
    private HashSet<string> services = new(StringComparer.Ordinal);
    private HashSet<string> endpoints = new(StringComparer.Ordinal);
    private Dictionary<(IpFamily Family, string Service), List<DateTimeOffset>> triggers = [];

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

    /// <summary>A Service was added, changed or removed.</summary>
    public void ServiceChanged(V1Service service)
    {
        var key = $"{service.Namespace() ?? "default"}/{service.Name()}";
        lock (gate)
        {
            services.Add(key);
            ServiceChangesTotal++;
        }
    }

    /// <summary>
    /// An EndpointSlice was added or changed, or (<paramref name="removed"/>) deleted: a change of its Service's endpoints.
    /// As upstream, a slice of no Service or of an address type the proxy does not program (FQDN) is not a change.
    /// </summary>
    public void EndpointSliceChanged(V1EndpointSlice slice, bool removed)
    {
        if (slice.GetLabel(KubernetesNames.ServiceNameLabel) is not { Length: > 0 } service
            || slice.AddressType is not (KubernetesNames.AddressTypeIPv4 or KubernetesNames.AddressTypeIPv6))
        {
            return;
        }
        var key = $"{slice.Namespace() ?? "default"}/{service}";
        var family = slice.AddressType == KubernetesNames.AddressTypeIPv4 ? IpFamily.IPv4 : IpFamily.IPv6;
        lock (gate)
        {
            endpoints.Add(key);
            EndpointChangesTotal++;
            if (removed)
            {
                // As upstream: a deleted slice's annotation dates its last update, not the deletion, and says nothing
                // about the pending ones of its service (in its family: the other family's tracker upstream never sees it).
                triggers.Remove((family, key));
            }
            else if (TriggerTime(slice) is { } trigger && trigger > started)
            {
                if (!triggers.TryGetValue((family, key), out var list))
                {
                    triggers[(family, key)] = list = [];
                }
                list.Add(trigger);
            }
        }
    }

    /// <summary>Called as a sync starts: what it will include. A failed sync gives them back with <see cref="Restore"/>.</summary>
    public PendingChanges Take()
    {
        lock (gate)
        {
            var taken = new PendingChanges(services, endpoints, triggers.ToDictionary(t => t.Key, IReadOnlyList<DateTimeOffset> (t) => t.Value));
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
            foreach (var (key, times) in taken.TriggerTimes)
            {
                if (!triggers.TryGetValue(key, out var list))
                {
                    triggers[key] = list = [];
                }
                list.InsertRange(0, times);
            }
        }
    }

    /// <summary>The slice's trigger time, when it carries a valid one (upstream ignores a malformed one).</summary>
    private static DateTimeOffset? TriggerTime(V1EndpointSlice slice) =>
        slice.Metadata?.Annotations?.TryGetValue(TriggerTimeAnnotation, out var text) == true
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;
}
