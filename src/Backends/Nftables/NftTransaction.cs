using System.Text;

namespace Proxy.Backends.Nftables;

/// <summary>
/// One <c>nft -f</c> transaction that prints itself: <see cref="ToString"/> is the exact text, one command per line,
/// in the order added. nft applies a file atomically, so the whole transaction applies or nothing does.
/// </summary>
public sealed class NftTransaction
{
    private readonly List<(NftVerb Verb, NftObject Object)> commands = [];

    public bool IsEmpty => commands.Count == 0;

    public int Count => commands.Count;

    /// <summary>Rules added plus elements added: the size of what is written.</summary>
    public int Written => commands.Where(c => c.Verb == NftVerb.Add).Sum(c => c.Object is NftElements e ? e.Items.Count : c.Object is NftRule ? 1 : 0);

    public NftTransaction Add(NftObject item) => Do(NftVerb.Add, item);

    public NftTransaction Delete(NftObject item) => Do(NftVerb.Delete, item);

    public NftTransaction Flush(NftObject item) => Do(NftVerb.Flush, item);

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (verb, item) in commands)
        {
            item.PrintTo(text.Append(verb switch { NftVerb.Add => "add ", NftVerb.Delete => "delete ", _ => "flush " }), verb).Append('\n');
        }
        return text.ToString();
    }

    private NftTransaction Do(NftVerb verb, NftObject item)
    {
        // Element lists can be empty when a diff has nothing to say: nft rejects "{ }", so such lines are dropped.
        if (item is not NftElements { Items.Count: 0 })
        {
            commands.Add((verb, item));
        }
        return this;
    }
}
