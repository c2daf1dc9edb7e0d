namespace Proxy.Backends.Nftables;

/// <summary>An nftables object a transaction line acts on; <see cref="Print"/> gives the text after the verb.</summary>
public abstract record NftObject(string Family, string Table)
{
    /// <summary>The object as written after <c>add</c>, <c>delete</c> or <c>flush</c> (definitions only with add).</summary>
    public abstract string Print(NftVerb verb);

    /// <summary>Quotes a comment for nft, which limits comments to 128 bytes.</summary>
    public static string Comment(string text) => $"comment \"{(text.Length > 128 ? text[..128] : text)}\"";
}

/// <summary>The table itself.</summary>
public sealed record NftTable(string Family, string Table, string? TableComment = null) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add && TableComment is not null ? $"table {Family} {Table} {{ {Comment(TableComment)} ; }}" : $"table {Family} {Table}";
}

/// <summary>A chain; <see cref="Hook"/> (e.g. "type nat hook prerouting priority dstnat") makes it a base chain.</summary>
public sealed record NftChain(string Family, string Table, string Name, string? Hook = null) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add && Hook is not null ? $"chain {Family} {Table} {Name} {{ {Hook} ; policy accept ; }}" : $"chain {Family} {Table} {Name}";
}

/// <summary>One rule appended to a chain.</summary>
public sealed record NftRule(string Family, string Table, string Chain, string Text) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) => $"rule {Family} {Table} {Chain} {Text}";
}

/// <summary>A named set or map (<see cref="Kind"/> "set" or "map") with its type, e.g. "type ipv4_addr . inet_proto . inet_service : verdict".</summary>
public sealed record NftSet(string Family, string Table, string Kind, string Name, string Type) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        verb == NftVerb.Add ? $"{Kind} {Family} {Table} {Name} {{ {Type} ; }}" : $"{Kind} {Family} {Table} {Name}";
}

/// <summary>Elements of a set or map: each is a key (with optional comment), plus " : value" for maps. Deletes print keys only.</summary>
public sealed record NftElements(string Family, string Table, string Set, IReadOnlyList<NftElement> Items) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) =>
        $"element {Family} {Table} {Set} {{ {string.Join(", ", Items.Select(i => verb == NftVerb.Delete ? i.Key : i.ToString()))} }}";
}

/// <summary>One element: key, optional comment, optional map value.</summary>
public sealed record NftElement(string Key, string? Value = null, string? ElementComment = null)
{
    public override string ToString() =>
        Key + (ElementComment is null ? "" : " " + NftObject.Comment(ElementComment)) + (Value is null ? "" : " : " + Value);
}
