using System.Text;

namespace Proxy.Backends.Iptables;

/// <summary>
/// One iptables-restore --noflush payload that prints itself (<see cref="ToString"/> is the exact text fed to
/// the tool). Per table the lines come in the order iptables-restore needs: chain declarations (which create,
/// or flush, a user chain), rule deletions, insertions, appends, then chain deletions — so a chain can be
/// flushed and removed in the same payload that stops jumping to it.
/// </summary>
public sealed class RestoreTransaction
{
    private readonly SortedDictionary<int, Section> sections = [];

    public bool IsEmpty => sections.Values.All(s => s.IsEmpty);

    /// <summary>Number of rules appended or inserted.</summary>
    public int RulesWritten => sections.Values.Sum(s => s.Appends.Count + s.Inserts.Count);

    /// <summary>Number of rules appended or inserted in <paramref name="table"/>.</summary>
    public int RulesWrittenIn(string table) => sections.Values.Where(s => s.Name == table).Sum(s => s.Appends.Count + s.Inserts.Count);

    /// <summary>Declares a user chain: creates it, or flushes it if it exists (that is how a chain is rewritten).</summary>
    public void Declare(string table, string chain)
    {
        var section = Table(table);
        if (!section.Declared.Contains(chain))
        {
            section.Declared.Add(chain);
        }
    }

    public void Append(string table, string chain, string rule) => Table(table).Appends.Add($"-A {chain} {rule}");

    /// <summary>Inserts at the top of <paramref name="chain"/> (used for jumps from built-in chains).</summary>
    public void InsertFirst(string table, string chain, string rule) => Table(table).Inserts.Add($"-I {chain} 1 {rule}");

    public void DeleteRule(string table, string chain, string rule) => Table(table).RuleDeletes.Add($"-D {chain} {rule}");

    public void DeleteChain(string table, string chain)
    {
        Declare(table, chain);
        Table(table).ChainDeletes.Add($"-X {chain}");
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var section in sections.Values.Where(s => !s.IsEmpty))
        {
            text.Append('*').Append(section.Name).Append('\n');
            foreach (var chain in section.Declared)
            {
                text.Append(':').Append(chain).Append(" - [0:0]\n");
            }
            foreach (var line in section.RuleDeletes.Concat(section.Inserts).Concat(section.Appends).Concat(section.ChainDeletes))
            {
                text.Append(line).Append('\n');
            }
            text.Append("COMMIT\n");
        }
        return text.ToString();
    }

    private Section Table(string table)
    {
        // filter before nat, as upstream writes them; any other table after those.
        var order = BaseChains.Tables.IndexOf(table);
        var key = order >= 0 ? order : BaseChains.Tables.Length + sections.Count;
        var existing = sections.Values.FirstOrDefault(s => s.Name == table);
        if (existing is not null)
        {
            return existing;
        }
        var created = new Section(table);
        sections[key] = created;
        return created;
    }

    private sealed class Section(string name)
    {
        public string Name { get; } = name;

        public List<string> Declared { get; } = [];

        public List<string> RuleDeletes { get; } = [];

        public List<string> Inserts { get; } = [];

        public List<string> Appends { get; } = [];

        public List<string> ChainDeletes { get; } = [];

        public bool IsEmpty => Declared.Count == 0 && RuleDeletes.Count == 0 && Inserts.Count == 0 && Appends.Count == 0;
    }
}
