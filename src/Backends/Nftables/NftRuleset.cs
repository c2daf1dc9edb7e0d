using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Everything one family's table should hold, split the way syncs use it: the scaffold (sets, maps, chains and
/// rules that depend only on node-wide policy) and, per service port, the elements it contributes. Elements shared
/// by several ports (the hairpin set: one element per endpoint address) and the objects of each endpoint count are
/// reference-counted, so a partial sync adds and removes them exactly when the first user comes or the last goes.
/// Immutable once built.
/// </summary>
public sealed class NftRuleset
{
    /// <param name="previous">When given, the reference counts start from its counts and follow only the ports that differ.</param>
    public NftRuleset(string family, ImmutableArray<NftObject> scaffold, IReadOnlyDictionary<ServicePort, PortElements> ports, NftRuleset? previous = null)
    {
        Family = family;
        Scaffold = scaffold;
        Ports = ports;
        var counts = previous is null ? new Dictionary<int, int>() : new Dictionary<int, int>(previous.counts);
        var shared = previous is null ? new Dictionary<NftElement, int>() : new Dictionary<NftElement, int>(previous.shared);
        IEnumerable<PortElements> added = ports.Values;
        if (previous is not null)
        {
            foreach (var gone in previous.Ports.Where(p => !ports.ContainsKey(p.Key)))
            {
                Count(gone.Value, -1);
            }
            added = ports.Where(p => !previous.Ports.ContainsKey(p.Key)).Select(p => p.Value);
        }
        foreach (var port in added)
        {
            Count(port, +1);
        }
        this.counts = counts;
        this.shared = shared;

        void Count(PortElements port, int delta)
        {
            if (port.EndpointCount > 0)
            {
                Adjust(counts, port.EndpointCount, delta);
            }
            foreach (var hairpin in port.Hairpins)
            {
                Adjust(shared, hairpin, delta);
            }
        }
    }

    private readonly Dictionary<int, int> counts;
    private readonly Dictionary<NftElement, int> shared;

    public string Family { get; }

    public ImmutableArray<NftObject> Scaffold { get; }

    public IReadOnlyDictionary<ServicePort, PortElements> Ports { get; }

    /// <summary>Endpoint count → how many service ports use it.</summary>
    public IReadOnlyDictionary<int, int> EndpointCounts => counts;

    /// <summary>Hairpin elements → how many service ports contribute them.</summary>
    public IReadOnlyDictionary<NftElement, int> Hairpins => shared;

    /// <summary>Every element, by set: what a full sync writes.</summary>
    public IEnumerable<(string Set, IReadOnlyList<NftElement> Elements)> ElementsBySet() =>
        Ports.Values.SelectMany(p => p.Elements)
            .Concat(shared.Keys.Select(h => (NftNames.Hairpin, h)))
            .GroupBy(e => e.Item1, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<NftElement>)[.. g.Select(e => e.Item2).OrderBy(e => e.Key, StringComparer.Ordinal)]));

    private static void Adjust<TKey>(Dictionary<TKey, int> counts, TKey key, int delta)
        where TKey : notnull
    {
        var next = counts.GetValueOrDefault(key) + delta;
        if (next == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = next;
        }
    }
}
