using System.Text;
using Proxy.Core.Text;

namespace Proxy.Backends.Nftables;

/// <summary>An nftables object a transaction line acts on; <see cref="Print"/> gives the text after the verb.</summary>
public abstract record NftObject(string Family, string Table)
{
    /// <summary>The most a comment holds, in bytes (NFTNL_UDATA_COMMENT_MAXLEN): nft refuses the whole transaction for more.</summary>
    public const int MaxCommentBytes = 128;

    /// <summary>The object as written after <c>add</c>, <c>delete</c> or <c>flush</c> (definitions only with add).</summary>
    public abstract string Print(NftVerb verb);

    /// <summary>Appends what <see cref="Print"/> returns (objects with a lot to print override it to skip the copy).</summary>
    public virtual StringBuilder PrintTo(StringBuilder text, NftVerb verb) => text.Append(Print(verb));

    /// <summary>
    /// Quotes a comment for nft. nft's quoted strings have no escapes (a <c>"</c> always ends one), so a <c>"</c> in a
    /// name is written <c>'</c>; a character that ends a line becomes <c>?</c>, and the text is cut to
    /// <see cref="MaxCommentBytes"/>. Whatever a name holds, it cannot end the comment or the line.
    /// </summary>
    public static string Comment(string text) => $"comment \"{CommentText(text)}\"";

    /// <summary>The text a comment holds once nft has read <see cref="Comment"/> (what the kernel stores, without the quotes).</summary>
    public static string CommentText(string text) => EmbeddedText.Printable(text, MaxCommentBytes).Replace('"', '\'');
}
