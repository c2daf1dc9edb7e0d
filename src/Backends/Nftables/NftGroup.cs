using System.Collections.Immutable;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Objects several service ports share, created with the first user and removed with the last: a route chain with its
/// rules, or an endpoint map. Identified by <see cref="Name"/> alone (the objects follow from the name and the scaffold).
/// </summary>
public sealed class NftGroup(string name, ImmutableArray<NftObject> objects)
{
    public string Name { get; } = name;

    /// <summary>Definitions first (set or chain), then the chain's rules in order.</summary>
    public ImmutableArray<NftObject> Objects { get; } = objects;
}
