using System.Text;
using Proxy.Core.Exec;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// A stateful fake of <c>nft -f -</c> for the transactions this backend writes: tables of sets/maps (with their
/// definitions and elements) and chains (with rules), applied all-or-nothing like nft, with nft-like errors for missing,
/// busy or redefined objects and for rules that refer to chains or sets that do not exist. Records every payload and
/// can dump its state for assertions.
/// </summary>
internal sealed class FakeNft : ICommandRunner
{
    private Dictionary<string, Table> tables = [];

    public List<string> Payloads { get; } = [];

    /// <summary>Every command run, in order.</summary>
    public List<Command> Commands { get; } = [];

    /// <summary>Payloads given to <c>nft -c</c>: checked, never applied.</summary>
    public List<string> Checks { get; } = [];

    public bool FailNext { get; set; }

    /// <summary>Any line holding this text is refused, as nft refuses what it cannot parse (a test's broken service).</summary>
    public string? Refuse { get; set; }

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        if (command.FileName != "nft")
        {
            throw new CommandNotFoundException(command.FileName);
        }
        Commands.Add(command);
        if (command.Arguments.SequenceEqual(["list", "tables"]))
        {
            return Task.FromResult(CommandResult.Ok(string.Concat(tables.Keys.Order(StringComparer.Ordinal).Select(t => $"table {t}\n"))));
        }
        // nft -c checks a transaction as nft -f would apply it, and commits nothing.
        var check = command.Arguments.Contains("-c");
        var payload = command.StandardInput ?? "";
        if (check)
        {
            Checks.Add(payload);
        }
        else
        {
            Payloads.Add(payload);
        }
        if (FailNext)
        {
            FailNext = false;
            return Task.FromResult(new CommandResult(1, "", "/dev/stdin:1:1-1: Error: Could not process rule: No such file or directory"));
        }
        var work = tables.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        var lines = payload.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            if (Refuse is not null && lines[i].Contains(Refuse, StringComparison.Ordinal))
            {
                return Task.FromResult(new CommandResult(1, "", $"/dev/stdin:{i + 1}:1-4: Error: syntax error, unexpected junk"));
            }
            if (Apply(work, lines[i]) is { } error)
            {
                return Task.FromResult(new CommandResult(1, "", $"/dev/stdin:{i + 1}: Error: {error}"));
            }
        }
        if (!check)
        {
            tables = work;
        }
        return Task.FromResult(CommandResult.Ok());
    }

    public string Dump()
    {
        var text = new StringBuilder();
        foreach (var (name, table) in tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append($"table {name}\n");
            foreach (var (set, items) in table.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                text.Append($"  set {set}: {string.Join(", ", items.Values.Order(StringComparer.Ordinal))}\n");
            }
            foreach (var (chain, rules) in table.Chains.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                text.Append($"  chain {chain}: {string.Join(" | ", rules)}\n");
            }
        }
        return text.ToString();
    }

    /// <summary>nft flush ruleset: every table gone.</summary>
    public void Flush() => tables = [];

    /// <summary>nft flush table: its chains emptied, sets and maps kept (as <c>flush table</c> in a payload).</summary>
    public void FlushTable(string family) => tables[$"{family} kube-proxy"].FlushChains();

    /// <summary>nft delete table: that family's table gone.</summary>
    public void DeleteTable(string family) => tables.Remove($"{family} kube-proxy");

    public bool HasTable(string family) => tables.ContainsKey($"{family} kube-proxy");

    public IReadOnlyDictionary<string, string> Elements(string family, string set) => tables[$"{family} kube-proxy"].Sets[set];

    private static string? Apply(Dictionary<string, Table> work, string line)
    {
        var words = line.Split(' ');
        var (verb, kind, table) = (words[0], words[1], $"{words[2]} {words[3]}");
        if (kind == "table")
        {
            switch (verb)
            {
                case "add":
                    work.TryAdd(table, new Table());
                    return null;
                case "delete":
                    return work.Remove(table) ? null : "No such file or directory (table)";
                default:
                    // As nft: flushing a table empties its chains, and leaves sets, maps and their elements alone.
                    return work.TryGetValue(table, out var t) ? Do(t.FlushChains) : "No such file or directory (table)";
            }
        }
        if (!work.TryGetValue(table, out var target))
        {
            return "No such file or directory (table)";
        }
        var name = words[4];
        return (verb, kind) switch
        {
            ("add", "chain") => Do(() => target.Chains.TryAdd(name, [])),
            ("flush", "chain") => target.Chains.TryGetValue(name, out var rules) ? Do(rules.Clear) : "No such file or directory (chain)",
            ("delete", "chain") => !target.Chains.TryGetValue(name, out var rules) ? "No such file or directory (chain)"
                : rules.Count > 0 || target.References(name) ? "Device or resource busy (chain)"
                : Do(() => target.Chains.Remove(name)),
            ("add", "rule") when Referred(words[5..]).Select(r => r.Chain ?? r.Set).FirstOrDefault(n => !target.Chains.ContainsKey(n!) && !target.Sets.ContainsKey(n!)) is { } missing
                => $"No such file or directory ({missing})",
            ("add", "rule") => target.Chains.TryGetValue(name, out var rules) ? Do(() => rules.Add(string.Join(' ', words[5..]))) : "No such file or directory (chain)",
            ("add", "map" or "set") => target.Definitions.TryGetValue(name, out var was) && was != Definition(line) ? "File exists (set with another definition)"
                : Do(() => { target.Sets.TryAdd(name, []); target.Definitions[name] = Definition(line); }),
            ("flush", "map" or "set") => target.Sets.TryGetValue(name, out var items) ? Do(items.Clear) : "No such file or directory (set)",
            ("delete", "map" or "set") => !target.Sets.TryGetValue(name, out var items) ? "No such file or directory (set)"
                : target.Chains.Values.Any(rules => rules.Any(r => Referred(r.Split(' ')).Any(x => x.Set == name))) ? "Device or resource busy (set)"
                : Do(() => { target.Sets.Remove(name); target.Definitions.Remove(name); }),
            ("add" or "delete", "element") => Elements(target, verb, name, line),
            _ => $"unsupported: {verb} {kind}",
        };
    }

    private static string? Elements(Table target, string verb, string set, string line)
    {
        if (!target.Sets.TryGetValue(set, out var items))
        {
            return "No such file or directory (set)";
        }
        var body = line[(line.IndexOf('{', StringComparison.Ordinal) + 2)..line.LastIndexOf('}')].Trim();
        foreach (var element in body.Split(", "))
        {
            var key = element.Split(" comment ")[0].Split(" : ")[0];
            if (verb == "add")
            {
                if (element.Contains(" : goto ", StringComparison.Ordinal) && !target.Chains.ContainsKey(element.Split(" : goto ")[1]))
                {
                    return "No such file or directory (goto target)";
                }
                if (!items.TryAdd(key, element))
                {
                    return "File exists (element)";
                }
            }
            else if (!items.Remove(key))
            {
                return "No such file or directory (element)";
            }
        }
        return null;
    }

    /// <summary>The chains (goto, jump) and sets (@name) a rule refers to.</summary>
    private static IEnumerable<(string? Chain, string? Set)> Referred(string[] rule)
    {
        for (var i = 0; i < rule.Length; i++)
        {
            if (rule[i] is "goto" or "jump" && i + 1 < rule.Length)
            {
                yield return (rule[i + 1], null);
            }
            else if (rule[i].StartsWith('@'))
            {
                yield return (null, rule[i][1..]);
            }
        }
    }

    /// <summary>What a set is defined as: the text between its braces.</summary>
    private static string Definition(string line) => line.Contains('{', StringComparison.Ordinal) ? line[(line.IndexOf('{', StringComparison.Ordinal) + 1)..line.LastIndexOf('}')].Trim() : "";

    private static string? Do(Action action)
    {
        action();
        return null;
    }

    private static string? Do(Func<bool> action)
    {
        action();
        return null;
    }

    private sealed class Table
    {
        public Dictionary<string, Dictionary<string, string>> Sets { get; private init; } = [];

        public Dictionary<string, List<string>> Chains { get; private init; } = [];

        public Dictionary<string, string> Definitions { get; private init; } = [];

        /// <summary>Whether a map element or any rule sends packets to <paramref name="chain"/> (goto or jump).</summary>
        public bool References(string chain) =>
            Sets.Values.Any(s => s.Values.Any(e => e.EndsWith($"goto {chain}", StringComparison.Ordinal) || e.EndsWith($"jump {chain}", StringComparison.Ordinal)))
            || Chains.Values.Any(rules => rules.Any(r => Referred(r.Split(' ')).Any(x => x.Chain == chain)));

        public void FlushChains()
        {
            foreach (var chain in Chains.Values)
            {
                chain.Clear();
            }
        }

        public Table Clone() => new()
        {
            Sets = Sets.ToDictionary(kv => kv.Key, kv => new Dictionary<string, string>(kv.Value)),
            Chains = Chains.ToDictionary(kv => kv.Key, kv => new List<string>(kv.Value)),
            Definitions = new Dictionary<string, string>(Definitions),
        };
    }
}
