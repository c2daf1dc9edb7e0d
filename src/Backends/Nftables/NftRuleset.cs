using System.Collections.Immutable;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Everything one family's table should hold, split the way syncs use it: the scaffold (sets, maps, chains and
/// rules that depend only on node-wide policy), the endpoint counts in use (each has its own DNAT chain and maps),
/// and the elements of every set and map by key. A partial sync diffs elements; a scaffold change forces a full sync.
/// </summary>
public sealed record NftRuleset(
    string Family,
    ImmutableArray<NftObject> Scaffold,
    ImmutableSortedSet<int> EndpointCounts,
    ImmutableDictionary<string, ImmutableDictionary<string, NftElement>> Elements)
{
    public int ElementCount => Elements.Values.Sum(e => e.Count);
}
