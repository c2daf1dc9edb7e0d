namespace Proxy.Backends.Nftables;

/// <summary>Elements of a set or map: each is a key (with optional comment), plus " : value" for maps. Deletes print keys only.</summary>
public sealed record NftElements(string Family, string Table, string Set, IReadOnlyList<NftElement> Items) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        $"element {Family} {Table} {Set} {{ {string.Join(", ", Items.Select(i => verb == NftVerb.Delete ? i.Key : i.ToString()))} }}";
}
