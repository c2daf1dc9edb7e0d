namespace Proxy.Backends.Nftables;

/// <summary>One rule appended to a chain.</summary>
public sealed record NftRule(string Family, string Table, string Chain, string Text) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) => $"rule {Family} {Table} {Chain} {Text}";
}
