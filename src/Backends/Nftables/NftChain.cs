namespace Proxy.Backends.Nftables;

/// <summary>A chain; <see cref="Hook"/> (e.g. "type nat hook prerouting priority dstnat") makes it a base chain.</summary>
public sealed record NftChain(string Family, string Table, string Name, string? Hook = null) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add && Hook is not null ? $"chain {Family} {Table} {Name} {{ {Hook} ; policy accept ; }}" : $"chain {Family} {Table} {Name}";
}
