using System.Buffers;
using Proxy.Core.Exec;

namespace Proxy.Backends.Xtables;

/// <summary>
/// One iptables-restore --noflush payload that prints itself (<see cref="Input(int)"/> is what the tool reads, in
/// pieces; <see cref="ToString"/> the same text joined). Per table the lines come in the order iptables-restore needs: chain declarations (which create,
/// or flush, a user chain), rule deletions, insertions, appends, then chain deletions — so a chain can be
/// flushed and removed in the same payload that stops jumping to it.
/// </summary>
/// <param name="isPerServiceChain">
/// Which chains belong to one service (iptables mode's KUBE-SVC-…, KUBE-SEP-…): only those are committed in the early
/// stages of <see cref="ToString(int)"/>. Without it, every chain is shared and a payload is one COMMIT per table.
/// </param>
public sealed class RestoreTransaction(Func<string, bool>? isPerServiceChain = null)
{
    private readonly SortedDictionary<int, Section> sections = [];
    private readonly Func<string, bool> perService = isPerServiceChain ?? (_ => false);

    public bool IsEmpty => sections.Values.All(s => s.IsEmpty);

    /// <summary>Number of rules appended or inserted.</summary>
    public int RulesWritten => sections.Values.Sum(s => s.RuleCount + s.Inserts.Count);

    /// <summary>Number of user chains declared (created or flushed).</summary>
    public int ChainsWritten => sections.Values.Sum(s => s.Declared.Count);

    /// <summary>Number of rules appended or inserted in <paramref name="table"/>.</summary>
    public int RulesWrittenIn(string table) => sections.Values.Where(s => s.Name == table).Sum(s => s.RuleCount + s.Inserts.Count);

    /// <summary>Declares a user chain: creates it, or flushes it if it exists (that is how a chain is rewritten).</summary>
    public void Declare(string table, string chain) => Table(table).Declare(chain);

    public void Append(string table, string chain, string rule) => Append(table, chain, new PackedRules([rule]));

    /// <summary>Appends <paramref name="rules"/> to <paramref name="chain"/>: the instance is kept, never copied.</summary>
    public void Append(string table, string chain, PackedRules rules) => Table(table).Declare(chain, declared: false).Add(rules);

    /// <summary>Inserts at the top of <paramref name="chain"/> (used for jumps from built-in chains).</summary>
    public void InsertFirst(string table, string chain, string rule) => Table(table).Inserts.Add($"-I {chain} 1 {rule}");

    public void DeleteRule(string table, string chain, string rule) => Table(table).RuleDeletes.Add($"-D {chain} {rule}");

    public void DeleteChain(string table, string chain)
    {
        Declare(table, chain);
        Table(table).ChainDeletes.Add($"-X {chain}");
    }

    public override string ToString() => ToString(stageAbove: int.MaxValue);

    /// <summary>
    /// The payload of <see cref="ToString(int)"/> as the tool's input, produced piece by piece as it is written: at
    /// 10k services the text is ~28M characters, which joined would be a second copy of every rule at the sync's peak.
    /// The transaction must not change until the command has run.
    /// </summary>
    /// <param name="reverseNameOrder">
    /// Declare the unstaged chains in descending ordinal name order, for iptables-legacy-restore: only its speed depends
    /// on it. libiptc keeps a table's user chains in one name-sorted linked list, indexed every 40 chains and re-indexed
    /// only after 355 new ones, and places a new chain by walking its bucket. Declared in descending order, each new
    /// chain is the smallest so far and goes to the head without a walk, and the list's order is the order its nodes
    /// were allocated in, so every later walk (each rule looks up its chain and its jump target) reads memory in
    /// sequence. At 10k services (89k chains) the bare restore drops from 5.0–8.5 s to 3.8–6.9 s (docs/performance.md).
    /// Never for iptables-nft: iptables-nft-save 1.8.9 sorts chains with a first-element-pivot quicksort that recurses
    /// as deep as the longest run of chains created in either name order, and overflows its stack at 90k.
    /// </param>
    public CommandInput Input(int stageAbove = int.MaxValue, bool reverseNameOrder = false) => CommandInput.FromPieces(() => Pieces(stageAbove, reverseNameOrder));

    /// <summary>
    /// The payload, with each table that declares more than <paramref name="stageAbove"/> chains applied in stages: one
    /// COMMIT per at most <paramref name="stageAbove"/> chains, leaves first (a chain after every chain it jumps to that
    /// this payload writes), and last, in one COMMIT, the chains jumped to from outside the payload (the dispatch chains
    /// reached from built-in chains), the insertions and the deletions. Every intermediate state is a working ruleset:
    /// new chains are not reached until the last COMMIT switches dispatch, and a rewritten chain holds its own new
    /// rules. This is for iptables-nft-restore, whose cost per COMMIT grows with the product of lines and chains named
    /// in it (see docs/performance.md); iptables-legacy-restore rewrites the whole table at every COMMIT, so it gets
    /// one.
    /// </summary>
    public string ToString(int stageAbove) => Input(stageAbove).Text;

    /// <summary>Characters gathered before a piece is handed on: few, large writes, and one buffer for the whole payload.</summary>
    private const int PieceSize = 1 << 15;

    /// <summary>
    /// The payload's text in order, in pieces of about <see cref="PieceSize"/> characters, each written over the last
    /// in one buffer (<see cref="CommandInput.FromPieces"/> allows that): no string per line or per chain is made.
    /// </summary>
    private IEnumerable<ReadOnlyMemory<char>> Pieces(int stageAbove, bool reverseNameOrder)
    {
        var buffer = new ArrayBufferWriter<char>(PieceSize * 2);
        foreach (var _ in Write(stageAbove, reverseNameOrder, buffer))
        {
            if (buffer.WrittenCount >= PieceSize)
            {
                yield return buffer.WrittenMemory;
                buffer.ResetWrittenCount();
            }
        }
        if (buffer.WrittenCount > 0)
        {
            yield return buffer.WrittenMemory;
        }
    }

    /// <summary>Writes the payload into <paramref name="into"/>, pausing after each line or chain for the caller to pass it on.</summary>
    private IEnumerable<bool> Write(int stageAbove, bool reverseNameOrder, ArrayBufferWriter<char> into)
    {
        foreach (var section in sections.Values.Where(s => !s.IsEmpty))
        {
            var final = section.Chains;
            if (section.Declared.Count > stageAbove)
            {
                var (stages, last) = Stages(section);
                final = last;
                foreach (var stage in stages.SelectMany(s => s.Chunk(stageAbove)))
                {
                    Line(into, "*", section.Name);
                    foreach (var chain in stage)
                    {
                        Declaration(into, chain);
                        yield return true;
                    }
                    foreach (var chain in stage)
                    {
                        foreach (var _ in Rules(into, chain))
                        {
                            yield return true;
                        }
                    }
                    Line(into, "COMMIT");
                    yield return true;
                }
            }
            Line(into, "*", section.Name);
            var declared = final.Where(c => c.Declared);
            foreach (var chain in reverseNameOrder ? declared.OrderByDescending(c => c.Name, StringComparer.Ordinal) : declared)
            {
                Declaration(into, chain);
                yield return true;
            }
            foreach (var line in section.RuleDeletes.Concat(section.Inserts))
            {
                Line(into, line);
                yield return true;
            }
            foreach (var chain in final)
            {
                foreach (var _ in Rules(into, chain))
                {
                    yield return true;
                }
            }
            foreach (var line in section.ChainDeletes)
            {
                Line(into, line);
                yield return true;
            }
            Line(into, "COMMIT");
            yield return true;
        }
    }

    private static void Line(ArrayBufferWriter<char> into, string text, string? more = null)
    {
        into.Write(text);
        into.Write(more);
        into.Write("\n");
    }

    private static void Declaration(ArrayBufferWriter<char> into, ChainWrite chain)
    {
        into.Write(":");
        into.Write(chain.Name);
        into.Write(" - [0:0]\n");
    }

    /// <summary>Writes <paramref name="chain"/>'s rules, pausing whenever a piece's worth is written.</summary>
    private static IEnumerable<bool> Rules(ArrayBufferWriter<char> into, ChainWrite chain)
    {
        foreach (var part in chain.Parts)
        {
            var from = 0;
            while ((from = part.WriteAppends(chain.Name, into, from, PieceSize)) >= 0)
            {
                yield return true;
            }
        }
        yield return true;
    }

    /// <summary>
    /// Splits a table's chains between stages and the last COMMIT. The last COMMIT gets the shared chains (every chain
    /// that is not a per-service chain, the constructor's predicate), unless a per-service chain jumps to it
    /// (KUBE-MARK-MASQ), the chains being deleted, the insertions, and whatever jumps into any of those. The rest go by
    /// depth: a chain that jumps to no other chain written here is depth 0, any other is one deeper than the deepest it
    /// jumps to (KUBE-MARK-MASQ, then KUBE-SEP, KUBE-SVC and KUBE-SVL, KUBE-EXT, KUBE-FW).
    /// Order within a stage is the payload's, never sorted by name: iptables-nft-save 1.8.9 sorts a table's chains with a
    /// first-element-pivot quicksort whose recursion is as deep as the longest run of chains created in name order, and
    /// crashes (stack overflow) on 90k chains created sorted.
    /// </summary>
    private (List<List<ChainWrite>> Stages, List<ChainWrite> Last) Stages(Section section)
    {
        var byName = section.Chains.Where(c => c.Declared).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var targets = byName.Values.ToDictionary(c => c.Name, c => c.Parts.SelectMany(rules => rules).Select(JumpTarget).OfType<string>().Where(byName.ContainsKey).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var reachedFromServices = targets.Where(t => perService(t.Key)).SelectMany(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var final = section.Chains.Where(c => !c.Declared || (!perService(c.Name) && !reachedFromServices.Contains(c.Name))).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var line in section.RuleDeletes.Concat(section.Inserts).Concat(section.ChainDeletes))
        {
            final.Add(line.Split(' ')[1]);
            if (JumpTarget(line) is { } target)
            {
                final.Add(target);
            }
        }
        // Whatever jumps into the last COMMIT's chains is written there too, or it could jump to a chain not there yet.
        bool changed;
        do
        {
            changed = false;
            foreach (var (name, jumps) in targets)
            {
                if (!final.Contains(name) && jumps.Any(final.Contains))
                {
                    changed = final.Add(name);
                }
            }
        }
        while (changed);

        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        int Depth(string name, int guard) => depth.TryGetValue(name, out var known) ? known : depth[name] = guard > byName.Count
            ? 0
            : targets[name].Select(t => Depth(t, guard + 1) + 1).DefaultIfEmpty(0).Max();
        var stages = new List<List<ChainWrite>>();
        foreach (var chain in byName.Values.Where(c => !final.Contains(c.Name)))
        {
            var d = Depth(chain.Name, 0);
            while (stages.Count <= d)
            {
                stages.Add([]);
            }
            stages[d].Add(chain);
        }
        return (stages, [.. section.Chains.Where(c => final.Contains(c.Name))]);
    }

    /// <summary>The chain a rule jumps to (<c>-j NAME</c>, the last one), or null.</summary>
    public static string? JumpTarget(string rule)
    {
        var at = rule.LastIndexOf("-j ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var end = rule.IndexOf(' ', at + 3);
        return end < 0 ? rule[(at + 3)..] : rule[(at + 3)..end];
    }

    private Section Table(string table)
    {
        // filter before nat, as upstream writes them; any other table after those.
        var order = TableNames.All.IndexOf(table);
        var key = order >= 0 ? order : TableNames.All.Length + sections.Count;
        var existing = sections.Values.FirstOrDefault(s => s.Name == table);
        if (existing is not null)
        {
            return existing;
        }
        var created = new Section(table);
        sections[key] = created;
        return created;
    }

    /// <summary>One user chain this payload writes: declared (flushed, then filled) or only appended to.</summary>
    private sealed class ChainWrite(string name, bool declared)
    {
        public string Name { get; } = name;

        public bool Declared { get; set; } = declared;

        private PackedRules? only;

        /// <summary>More than one part (a chain appended to more than once): rare, so the common case holds no list.</summary>
        private List<PackedRules>? several;

        /// <summary>The rules appended, in order: the renderer's own instances, never copied.</summary>
        public IEnumerable<PackedRules> Parts => several ?? (only is null ? [] : [only]);

        public int RuleCount { get; private set; }

        public void Add(PackedRules rules)
        {
            if (only is null && several is null)
            {
                only = rules;
            }
            else
            {
                several ??= [only!];
                several.Add(rules);
            }
            RuleCount += rules.Count;
        }
    }

    private sealed class Section(string name)
    {
        private readonly Dictionary<string, ChainWrite> byName = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        /// <summary>Chains written, in order of first mention (a full sync names 100k+).</summary>
        public List<ChainWrite> Chains { get; } = [];

        public List<ChainWrite> Declared => [.. Chains.Where(c => c.Declared)];

        public List<string> RuleDeletes { get; } = [];

        public List<string> Inserts { get; } = [];

        public List<string> ChainDeletes { get; } = [];

        public int RuleCount => Chains.Sum(c => c.RuleCount);

        public bool IsEmpty => Chains.Count == 0 && RuleDeletes.Count == 0 && Inserts.Count == 0;

        public ChainWrite Declare(string chain, bool declared = true)
        {
            if (byName.TryGetValue(chain, out var existing))
            {
                existing.Declared |= declared;
                return existing;
            }
            var created = new ChainWrite(chain, declared);
            byName[chain] = created;
            Chains.Add(created);
            return created;
        }
    }
}
