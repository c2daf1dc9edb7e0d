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
        if (inputs is not { } last || last.Node != node || last.Options != options)
        {
            entries = [];
            inputs = (node, options);
        }
        var warnings = new List<string>();
        var networks = Reconciler.Networks(node, options, warnings);
        var slicesByService = Reconciler.GroupSlices(objects.EndpointSlices, warnings);
        var next = new Dictionary<(string, string), Entry>(objects.Services.Length);
        var programmed = new List<Reconciler.ServiceProgram>(objects.Services.Length);
        foreach (var service in objects.Services)
        {
            var key = (service.Namespace() ?? "default", service.Name());
            var slices = slicesByService.GetValueOrDefault(key, []);
            if (!entries.TryGetValue(key, out var entry) || !ReferenceEquals(entry.Service, service) || !SameSlices(entry.Slices, slices))
            {
                entry = new Entry(service, slices, Reconciler.Program(service, slices, node, networks, options));
            }
            next[key] = entry;
            programmed.Add(entry.Program);
        }
        entries = next;
        return Reconciler.Assemble(programmed, networks, warnings);
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

    private sealed record Entry(V1Service Service, IReadOnlyList<V1EndpointSlice> Slices, Reconciler.ServiceProgram Program);
}
