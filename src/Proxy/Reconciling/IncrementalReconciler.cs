using k8s.Models;

namespace Proxy.Reconciling;

/// <summary>
/// <see cref="Reconciler"/> with memory, for a sync loop: informer caches and the manifest source hand out unchanged
/// objects as the very same instances, so a sync after one change costs that change plus a walk over references.
/// An EndpointSlice is validated once per instance (<see cref="SliceIndex"/>); a Service whose object and slices are
/// the instances of the last call keeps its program; and the model is assembled again only where a changed program
/// reaches (<see cref="IncrementalAssembly"/>). The result is always the one <see cref="Reconciler.Reconcile"/> gives
/// for the same input. Any change of node or options forgets the programs. Not thread-safe: one sync at a time.
/// </summary>
public sealed class IncrementalReconciler
{
    private readonly SliceIndex slices = new();
    private Dictionary<(string, string), Entry> entries = [];
    private IncrementalAssembly assembly = new();
    private (NodeContext Node, ReconcileOptions Options)? inputs;

    public ReconcileResult Reconcile(ClusterObjects objects, NodeContext node, ReconcileOptions options)
    {
        if (inputs is not { } last || last.Node != node || last.Options != options)
        {
            entries = [];
            assembly = new();
            inputs = (node, options);
        }
        var warnings = new List<string>();
        var networks = Reconciler.Networks(node, options, warnings);
        var slicesByService = slices.Group(objects.EndpointSlices, warnings);
        var next = new Dictionary<(string, string), Entry>(objects.Services.Length);
        var programs = new List<Reconciler.ServiceProgram>(objects.Services.Length);
        var changes = new List<((string, string) Key, Reconciler.ServiceProgram? Program)>();
        var known = 0;
        var unique = true;
        foreach (var service in objects.Services)
        {
            var key = (service.Namespace() ?? "default", service.Name());
            var slices = slicesByService.GetValueOrDefault(key, []);
            var found = entries.TryGetValue(key, out var entry);
            if (!found || !ReferenceEquals(entry!.Service, service) || !SameSlices(entry.Slices, slices))
            {
                entry = new Entry(service, slices, Reconciler.Program(service, slices, node, networks, options));
                changes.Add((key, entry.Program));
            }
            known += found ? 1 : 0;
            unique &= next.TryAdd(key, entry);
            programs.Add(entry.Program);
        }
        if (known < entries.Count)
        {
            foreach (var key in entries.Keys.Where(k => !next.ContainsKey(k)))
            {
                changes.Add((key, null));
            }
        }
        entries = next;
        if (!unique)
        {
            // One Service given twice (no source does that; a hand-made input can): assembled from scratch, and the
            // assembly's memory, keyed by Service, starts over with the next call's changes (all of them: no entries).
            assembly = new();
            entries = [];
            return Reconciler.Assemble(programs, networks, objects.ServiceCIDRs, warnings);
        }
        return assembly.Assemble(programs, changes, networks, objects.ServiceCIDRs, warnings);
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
