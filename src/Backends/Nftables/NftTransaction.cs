using System.Text;
using Proxy.Core.Exec;

namespace Proxy.Backends.Nftables;

/// <summary>
/// One <c>nft -f</c> transaction that prints itself: <see cref="Input"/> is what nft reads, one command per line, in
/// the order added, and <see cref="ToString"/> the same text joined. nft applies a file atomically, so the whole transaction applies or nothing does.
/// </summary>
public sealed class NftTransaction
{
    private readonly List<(NftVerb Verb, NftObject Object)> commands = [];

    public bool IsEmpty => commands.Count == 0;

    public int Count => commands.Count;

    /// <summary>The commands in the order added (what nft would run, line by line).</summary>
    public IReadOnlyList<(NftVerb Verb, NftObject Object)> Commands => commands;

    /// <summary>Rules added plus elements added: the size of what is written.</summary>
    public int Written => commands.Where(c => c.Verb == NftVerb.Add).Sum(c => c.Object is NftElements e ? e.Items.Count : c.Object is NftRule ? 1 : 0);

    public NftTransaction Add(NftObject item) => Do(NftVerb.Add, item);

    public NftTransaction Delete(NftObject item) => Do(NftVerb.Delete, item);

    public NftTransaction Flush(NftObject item) => Do(NftVerb.Flush, item);

    public override string ToString() => Input.Text;

    /// <summary>
    /// The transaction as nft's input, printed one command at a time as it is written: at 10k services the text is
    /// ~12 MB, which printed whole would be held twice (the builder's chunks, then the string) at the sync's peak.
    /// The transaction must not change until the command has run.
    /// </summary>
    public CommandInput Input => CommandInput.FromPieces(Pieces);

    /// <summary>Elements handed to the writer at a time, out of a line that may hold 100k.</summary>
    private const int ElementsPerPiece = 1024;

    private IEnumerable<ReadOnlyMemory<char>> Pieces()
    {
        var text = new StringBuilder();
        foreach (var (verb, item) in commands)
        {
            text.Append(verb switch { NftVerb.Add => "add ", NftVerb.Delete => "delete ", _ => "flush " });
            IEnumerable<StringBuilder> parts = item is NftElements elements ? elements.PrintInParts(text, verb, ElementsPerPiece) : [item.PrintTo(text, verb)];
            foreach (var part in parts)
            {
                foreach (var chunk in part.GetChunks())
                {
                    yield return chunk;
                }
                part.Clear();
            }
            yield return "\n".AsMemory();
        }
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
