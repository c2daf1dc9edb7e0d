namespace Proxy.Backends.Nftables;

/// <summary>The table itself.</summary>
public sealed record NftTable(string Family, string Table, string? TableComment = null) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add && TableComment is not null ? $"table {Family} {Table} {{ {Comment(TableComment)} ; }}" : $"table {Family} {Table}";
}
