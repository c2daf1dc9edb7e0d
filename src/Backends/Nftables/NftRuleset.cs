using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Everything one family's table should hold, split the way syncs use it: the scaffold (sets, maps, chains, rules and
/// elements that depend only on the node) and, per service port, its share. Shared elements and shared groups are
/// reference-counted, so a partial sync adds and removes them exactly when the first user comes or the last goes.
/// Immutable once built, but for one hand-over: a ruleset built from a previous one takes over the previous one's
/// counts of shared elements (a hundred thousand entries at 10k services, too many to copy at every sync), after which
/// the previous one answers everything but <see cref="SharedElements"/>.
/// </summary>
public sealed class NftRuleset
{
    private readonly Dictionary<string, int> groupCounts;
    private readonly Dictionary<string, NftGroup> groups;
    private Dictionary<(string Set, NftElement Element), int>? shared;

    /// <param name="previous">
    /// When given, the reference counts start from its counts and follow only the ports that differ, and
    /// <see cref="Added"/> and <see cref="Removed"/> say which those are.
    /// </param>
    public NftRuleset(string family, ImmutableArray<NftObject> scaffold, IReadOnlyDictionary<ServicePort, PortElements> ports, NftRuleset? previous = null)
    {
        Family = family;
        Scaffold = scaffold;
        Ports = ports;
        instances = new HashSet<ServicePort>(ports.Count, ReferenceEqualityComparer.Instance);
        foreach (var port in ports.Keys)
        {
            instances.Add(port);
        }
        groupCounts = previous is null ? new(StringComparer.Ordinal) : new(previous.groupCounts, StringComparer.Ordinal);
        groups = previous is null ? new(StringComparer.Ordinal) : new(previous.groups, StringComparer.Ordinal);
        previousId = previous?.id;
        // Unchanged ports are, almost always, the very instances of the previous state (the incremental reconciler
        // keeps them): found by reference first, most of a partial sync's work is a walk of references.
        Removed = previous is null ? [] : [.. previous.Ports.Keys.Where(p => !Has(p))];
        Added = previous is null ? [.. ports.Keys] : [.. ports.Keys.Where(p => !previous.Has(p))];
        foreach (var gone in Removed)
        {
            Count(previous!.Ports[gone].Groups, -1);
        }
        foreach (var port in Added)
        {
            Count(ports[port].Groups, +1);
        }
        if (previous?.shared is { } carried)
        {
            shared = carried;
            previous.shared = null;
            foreach (var gone in Removed)
            {
                Count(previous.Ports[gone].SharedElements, -1);
            }
            foreach (var port in Added)
            {
                Count(ports[port].SharedElements, +1);
            }
        }
        else
        {
            // First ruleset, or the previous one already handed its counts on: counted from all the ports.
            shared = [];
            foreach (var port in ports.Values)
            {
                Count(port.SharedElements, +1);
            }
        }
    }

    private readonly HashSet<ServicePort> instances;

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
    public IReadOnlyDictionary<(string Set, NftElement Element), int> SharedElements =>
        shared ?? throw new InvalidOperationException("this ruleset's shared counts were handed to the ruleset built from it");

    /// <summary>Every set, chain and rule, in creation order: the scaffold's, the shared groups' (by name), the ports' own.</summary>
    public IEnumerable<NftObject> Definitions() =>
        Scaffold.Where(o => o is not NftElements)
            .Concat(groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal).SelectMany(g => g.Objects))
            .Concat(Ports.Values.SelectMany(p => p.Objects));

    private static long lastId;

    /// <summary>This ruleset, among all built in this process.</summary>
    private readonly long id = Interlocked.Increment(ref lastId);

    /// <summary>
    /// The ruleset the counts were carried from, if any: what <see cref="Added"/> and <see cref="Removed"/> compare with.
    /// Only its id is kept: a reference would chain every ruleset ever built to the current one, and a daemon that
    /// syncs every second kept them all (the soak's growth of ~8 MiB a minute at 1k services).
    /// </summary>
    private readonly long? previousId;

    /// <summary>The ports here that the ruleset built from did not have (all of them without one).</summary>
    public IReadOnlyList<ServicePort> Added { get; }

    /// <summary>The ports of the ruleset built from that are not here.</summary>
    public IReadOnlyList<ServicePort> Removed { get; }

    /// <summary>The ports <paramref name="now"/> has and <paramref name="before"/> had not, and the other way round.</summary>
    public static (IReadOnlyList<ServicePort> Added, IReadOnlyList<ServicePort> Removed) Changes(NftRuleset now, NftRuleset before) =>
        now.previousId == before.id
            ? (now.Added, now.Removed)
            : ([.. now.Ports.Keys.Where(p => !before.Has(p))], [.. before.Ports.Keys.Where(p => !now.Has(p))]);

    /// <summary>Whether <paramref name="port"/> is one of this ruleset's, by reference first, else by value.</summary>
    public bool Has(ServicePort port) => instances.Contains(port) || Ports.ContainsKey(port);

    /// <summary>
    /// Every element, by set, in set name order (the scaffold's first): what a full sync writes. Within a set, in the
    /// order of the ports (their name order), shared elements last; not sorted, as a full sync prints a hundred
    /// thousand of them.
    /// </summary>
    public IEnumerable<NftElements> Elements()
    {
        var bySet = new SortedDictionary<string, List<NftElement>>(StringComparer.Ordinal);
        foreach (var (set, element) in Ports.Values.SelectMany(p => p.Elements).Concat(SharedElements.Keys))
        {
            if (!bySet.TryGetValue(set, out var list))
            {
                bySet[set] = list = [];
            }
            list.Add(element);
        }
        return Scaffold.OfType<NftElements>().Concat(bySet.Select(s => new NftElements(Family, NftNames.Table, s.Key, s.Value)));
    }

    private void Count(IEnumerable<NftGroup> used, int delta)
    {
        foreach (var group in used)
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
    }

    private void Count(IEnumerable<(string, NftElement)> elements, int delta)
    {
        foreach (var element in elements)
        {
            Adjust(shared!, element, delta);
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
