using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Everything one family's table should hold, split the way syncs use it: the scaffold (sets, maps, chains, rules and
/// elements that depend only on the node) and, per service port, its share. Shared elements and shared groups are
/// reference-counted, so a partial sync adds and removes them exactly when the first user comes or the last goes.
/// Immutable once built.
/// </summary>
public sealed class NftRuleset
{
    private readonly Dictionary<string, int> groupCounts;
    private readonly Dictionary<string, NftGroup> groups;
    private readonly Dictionary<(string Set, NftElement Element), int> shared;

    /// <param name="previous">When given, the reference counts start from its counts and follow only the ports that differ.</param>
    public NftRuleset(string family, ImmutableArray<NftObject> scaffold, IReadOnlyDictionary<ServicePort, PortElements> ports, NftRuleset? previous = null)
    {
        Family = family;
        Scaffold = scaffold;
        Ports = ports;
        groupCounts = previous is null ? new(StringComparer.Ordinal) : new(previous.groupCounts, StringComparer.Ordinal);
        groups = previous is null ? new(StringComparer.Ordinal) : new(previous.groups, StringComparer.Ordinal);
        shared = previous is null ? [] : new(previous.shared);
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
    }

    public string Family { get; }

    public ImmutableArray<NftObject> Scaffold { get; }

    public IReadOnlyDictionary<ServicePort, PortElements> Ports { get; }

    /// <summary>Whether endpoint elements carry their service's name (not in large clusters).</summary>
    public bool EndpointComments { get; init; } = true;

    /// <summary>The shared groups in use, by name.</summary>
    public IReadOnlyDictionary<string, NftGroup> Groups => groups;

    /// <summary>How many service ports use each shared group.</summary>
    public IReadOnlyDictionary<string, int> GroupCounts => groupCounts;

    /// <summary>Shared elements (cluster IPs, hairpins) → how many service ports contribute them.</summary>
    public IReadOnlyDictionary<(string Set, NftElement Element), int> SharedElements => shared;

    /// <summary>Every set, chain and rule, in creation order: the scaffold's, the shared groups' (by name), the ports' own.</summary>
    public IEnumerable<NftObject> Definitions() =>
        Scaffold.Where(o => o is not NftElements)
            .Concat(groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal).SelectMany(g => g.Objects))
            .Concat(Ports.Values.SelectMany(p => p.Objects));

    /// <summary>Every element, by set (the scaffold's first, then in set name order): what a full sync writes.</summary>
    public IEnumerable<NftElements> Elements() =>
        Scaffold.OfType<NftElements>().Concat(
            Ports.Values.SelectMany(p => p.Elements)
                .Concat(shared.Keys)
                .GroupBy(e => e.Set, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new NftElements(Family, NftNames.Table, g.Key, [.. g.Select(e => e.Element).OrderBy(e => e.Key, StringComparer.Ordinal)])));

    private void Count(PortElements port, int delta)
    {
        foreach (var group in port.Groups)
        {
            if (Adjust(groupCounts, group.Name, delta) > 0)
            {
                groups[group.Name] = group;
            }
            else
            {
                groups.Remove(group.Name);
            }
        }
        foreach (var element in port.SharedElements)
        {
            Adjust(shared, element, delta);
        }
    }

    private static int Adjust<TKey>(Dictionary<TKey, int> counts, TKey key, int delta)
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
        return next;
    }
}
