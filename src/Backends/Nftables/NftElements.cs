using System.Text;

namespace Proxy.Backends.Nftables;

/// <summary>Elements of a set or map: each is a key (with optional comment), plus " : value" for maps. Deletes print keys only.</summary>
public sealed record NftElements(string Family, string Table, string Set, IReadOnlyList<NftElement> Items) : NftObject(Family, Table)
{
    public override string Print(NftVerb verb) => PrintTo(new StringBuilder(), verb).ToString();

    public override StringBuilder PrintTo(StringBuilder text, NftVerb verb)
    {
        text.Append("element ").Append(Family).Append(' ').Append(Table).Append(' ').Append(Set).Append(" { ");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
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
        return text.Append(" }");
    }
}
