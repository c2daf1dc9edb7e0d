using System.Collections.Immutable;
using k8s.Models;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// <see cref="Reconciler"/> with memory: a Service whose object and EndpointSlices are the very same instances as
/// at the last call (informer caches and the manifest source hand out unchanged objects as-is) keeps its previous
/// service ports, so a sync after one change costs one service's work plus a walk over references. Any change of
/// node or options forgets everything. Not thread-safe: the sync loop calls it, one sync at a time.
/// </summary>
public sealed class IncrementalReconciler
{
    private Dictionary<(string, string), Entry> entries = [];
    private (NodeContext Node, ReconcileOptions Options)? inputs;

    public ReconcileResult Reconcile(ClusterObjects objects, NodeContext node, ReconcileOptions options)
    {
        if (inputs is not { } last || last.Node != node || !SameOptions(last.Options, options))
        {
            entries = [];
            inputs = (node, options);
        }
        var slicesByService = Reconciler.GroupSlices(objects.EndpointSlices);
        var next = new Dictionary<(string, string), Entry>(objects.Services.Length);
        var ports = new List<ServicePort>();
        var warnings = new List<string>();
        foreach (var service in objects.Services)
        {
            var key = (service.Namespace() ?? "default", service.Name());
            var slices = slicesByService.GetValueOrDefault(key, []);
            if (!entries.TryGetValue(key, out var entry) || !ReferenceEquals(entry.Service, service) || !SameSlices(entry.Slices, slices))
            {
                var found = new List<string>();
                entry = new Entry(service, slices, [.. Reconciler.ServicePorts(service, slices, node, found)], [.. found]);
            }
            next[key] = entry;
            ports.AddRange(entry.Ports);
            warnings.AddRange(entry.Warnings);
        }
        entries = next;
        return Reconciler.Assemble(ports, warnings, options);
    }

    private static bool SameSlices(IReadOnlyList<V1EndpointSlice> a, IReadOnlyList<V1EndpointSlice> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Count; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameOptions(ReconcileOptions a, ReconcileOptions b) => a.MasqueradeAll == b.MasqueradeAll && a.ClusterCidrs.SequenceEqual(b.ClusterCidrs);

    private sealed record Entry(V1Service Service, IReadOnlyList<V1EndpointSlice> Slices, ImmutableArray<ServicePort> Ports, ImmutableArray<string> Warnings);
}
