using System.Text;

namespace Proxy.Backends.Nftables;

/// <summary>One element: key, optional comment, optional map value.</summary>
public sealed record NftElement(string Key, string? Value = null, string? ElementComment = null)
{
    public override string ToString() => AppendTo(new StringBuilder()).ToString();

    /// <summary>Writes <c>key [comment "…"] [: value]</c>: full syncs print a hundred thousand of these, so without copies.</summary>
    public StringBuilder AppendTo(StringBuilder text)
    {
        text.Append(Key);
        if (ElementComment is not null)
        {
            text.Append(' ').Append(NftObject.Comment(ElementComment));
        }
        return Value is null ? text : text.Append(" : ").Append(Value);
    }
}
