namespace Proxy.Backends.Nftables;

/// <summary>An nftables object a transaction line acts on; <see cref="Print"/> gives the text after the verb.</summary>
public abstract record NftObject(string Family, string Table)
{
    /// <summary>The object as written after <c>add</c>, <c>delete</c> or <c>flush</c> (definitions only with add).</summary>
    public abstract string Print(NftVerb verb);

    /// <summary>Quotes a comment for nft, which limits comments to 128 bytes.</summary>
    public static string Comment(string text) => $"comment \"{(text.Length > 128 ? text[..128] : text)}\"";
}
