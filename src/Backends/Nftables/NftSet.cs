namespace Proxy.Backends.Nftables;

/// <summary>A named set or map (<see cref="Kind"/> "set" or "map") with its type, e.g. "type ipv4_addr . inet_proto . inet_service : verdict".</summary>
public sealed record NftSet(string Family, string Table, string Kind, string Name, string Type) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add ? $"{Kind} {Family} {Table} {Name} {{ {Type} ; }}" : $"{Kind} {Family} {Table} {Name}";
}
