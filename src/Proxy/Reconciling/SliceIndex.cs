using System.Collections.Immutable;
using k8s.Models;
using Proxy.Validation;

namespace Proxy.Reconciling;

/// <summary>
/// EndpointSlices by the Service they belong to (namespace, kubernetes.io/service-name), in name order; one the API
/// server would refuse is left out, with its warning. What a slice instance gave is remembered until a call no longer
/// passes it: informer caches and the manifest source hand out an unchanged object as the same instance, so a sync
/// validates only the slices that changed (validation is a slice's own business, whatever the node or options).
/// Not thread-safe: one sync at a time.
/// </summary>
internal sealed class SliceIndex
{
    private Dictionary<V1EndpointSlice, Checked> known = new(ReferenceEqualityComparer.Instance);

    public Dictionary<(string, string), List<V1EndpointSlice>> Group(ImmutableArray<V1EndpointSlice> slices, ICollection<string> warnings)
    {
        // One pass, no LINQ: this runs over every slice at every sync.
        var next = new Dictionary<V1EndpointSlice, Checked>(slices.Length, ReferenceEqualityComparer.Instance);
        var groups = new Dictionary<(string, string), List<V1EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (!next.TryGetValue(slice, out var seen) && !known.TryGetValue(slice, out seen))
            {
                seen = Check(slice);
            }
            next[slice] = seen;
            foreach (var warning in seen.Warnings)
            {
                warnings.Add(warning);
            }
            if (seen.Service is { } key)
            {
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = new List<V1EndpointSlice>(1);
                }
                list.Add(slice);
            }
        }
        known = next;
        foreach (var list in groups.Values)
        {
            if (list.Count > 1)
            {
                list.Sort((a, b) => string.CompareOrdinal(a.Name(), b.Name()));
            }
        }
        return groups;
    }

    private static Checked Check(V1EndpointSlice slice)
    {
        var warnings = new List<string>(0);
        (string, string)? service = EndpointSliceValidation.Validate(slice, warnings) && slice.GetLabel(KubernetesNames.ServiceNameLabel) is { Length: > 0 } name
            ? (slice.Namespace() ?? "default", name)
            : null;
        return new Checked([.. warnings], service);
    }

    /// <param name="Service">The Service the slice belongs to; null when it is left out.</param>
    private sealed record Checked(ImmutableArray<string> Warnings, (string, string)? Service);
}
