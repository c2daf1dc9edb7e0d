namespace Proxy.Backends.Nftables;

/// <summary>One element: key, optional comment, optional map value.</summary>
public sealed record NftElement(string Key, string? Value = null, string? ElementComment = null)
{
    public override string ToString() =>
        Key + (ElementComment is null ? "" : " " + NftObject.Comment(ElementComment)) + (Value is null ? "" : " : " + Value);
}
