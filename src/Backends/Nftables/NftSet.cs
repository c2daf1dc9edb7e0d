namespace Proxy.Backends.Nftables;

/// <summary>
/// A named set or map (<see cref="Kind"/> "set" or "map") with its definition, e.g. "type ipv4_addr . inet_proto .
/// inet_service : verdict" (flags and timeout follow, separated by " ; ").
/// </summary>
public sealed record NftSet(string Family, string Table, string Kind, string Name, string Type) : NftObject(Family, Table)
{
    /// <summary>
    /// The kernel writes its elements at packet time (session affinity's memory): a resync keeps it, and its elements,
    /// as long as its definition is unchanged.
    /// </summary>
    public bool KeepsElements { get; init; }

    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add ? $"{Kind} {Family} {Table} {Name} {{ {Type} ; }}" : $"{Kind} {Family} {Table} {Name}";
}
