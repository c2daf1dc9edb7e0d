using System.Text;

namespace Proxy.Backends.Nftables;

/// <summary>Elements of a set or map: each is a key (with optional comment), plus " : value" for maps. Deletes print keys only.</summary>
public sealed record NftElements(string Family, string Table, string Set, IReadOnlyList<NftElement> Items) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) => PrintTo(new StringBuilder(), verb).ToString();

    public override StringBuilder PrintTo(StringBuilder text, NftVerb verb)
    {
        foreach (var _ in PrintInParts(text, verb, int.MaxValue))
        {
            // One part: the whole line is in text.
        }
        return text;
    }

    /// <summary>
    /// Prints the same text as <see cref="PrintTo"/> into <paramref name="text"/>, handing it back after every
    /// <paramref name="perPart"/> elements and at the end; the caller takes what it holds and clears it. A full sync's
    /// line for a shared map holds ~100k elements (several MB), which the writer never needs whole.
    /// </summary>
    public IEnumerable<StringBuilder> PrintInParts(StringBuilder text, NftVerb verb, int perPart)
    {
        text.Append("element ").Append(Family).Append(' ').Append(Table).Append(' ').Append(Set).Append(" { ");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
                if (i % perPart == 0)
                {
                    yield return text;
                }
            }
            if (verb == NftVerb.Delete)
            {
                text.Append(Items[i].Key);
            }
            else
            {
                Items[i].AppendTo(text);
            }
        }
        yield return text.Append(" }");
    }
}
