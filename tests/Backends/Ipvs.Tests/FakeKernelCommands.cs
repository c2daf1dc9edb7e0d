using Proxy.Core.Exec;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>
/// The commands IPVS mode runs, faked: a stateful <c>ipset</c> (save, list and restore, applied line by line and
/// stopping at the first refused line, as the real tool does) and an <c>iptables-save</c>/<c>iptables-restore</c> pair
/// that records payloads (the rules themselves are checked as text, and in the kernel by the conformance tests) and
/// remembers only the jumps a payload inserts into built-in chains, for <c>iptables -S</c> of those chains.
/// </summary>
internal sealed class FakeKernelCommands : ICommandRunner
{
    public Dictionary<string, (string Type, SortedSet<string> Entries)> Sets { get; } = new(StringComparer.Ordinal);

    public List<Command> Commands { get; } = [];

    /// <summary>The jump rules inserted into built-in chains, per (family tool, table, chain): what <c>iptables -S</c> lists.</summary>
    public Dictionary<(string Tool, string Table, string Chain), List<string>> BuiltInRules { get; } = [];

    /// <summary>iptables -t TABLE -F: every built-in chain of that table emptied (our chains are not modelled).</summary>
    public void FlushIptables(string table)
    {
        foreach (var key in BuiltInRules.Keys.Where(k => k.Table == table))
        {
            BuiltInRules[key].Clear();
        }
    }

    /// <summary>When set, the next <c>ipset restore</c> fails with this message and changes nothing.</summary>
    public string? FailNextIpsetRestore { get; set; }

    /// <summary>When set, the next <c>iptables-restore</c> fails as if the kernel refused its first line, and changes nothing.</summary>
    public bool FailNextIptablesRestore { get; set; }

    public List<string> Restores(string tool) => [.. Commands.Where(c => c.FileName == tool && c.ChangesKernel).Select(c => c.StandardInput!)];

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        Commands.Add(command);
        return Task.FromResult(command.FileName switch
        {
            "ipset" when command.Arguments[0] == "save" => CommandResult.Ok(Save()),
            "ipset" when command.Arguments.SequenceEqual(["list", "-t"]) => CommandResult.Ok(Headers()),
            "ipset" when command.Arguments[0] == "list" => CommandResult.Ok(string.Concat(Sets.Keys.Select(k => k + "\n"))),
            "ipset" => Restore(command.StandardInput!),
            "iptables-save" or "ip6tables-save" => CommandResult.Ok(SaveBuiltIns(command.FileName[..^"-save".Length], command.Arguments[^1])),
            "iptables-restore" when FailNextIptablesRestore => RefuseRestore(),
            "iptables-restore" or "ip6tables-restore" => RecordInserts(command.FileName[..^"-restore".Length], command.StandardInput!),
            "iptables" or "ip6tables" => List(command.FileName, command.Arguments),
            _ => CommandResult.Ok(),
        });
    }

    /// <summary><c>ipset list -t</c>: each set's header, with its number of entries.</summary>
    private string Headers() => string.Concat(Sets.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
        $"Name: {s.Key}\nType: {s.Value.Type}\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536\nSize in memory: 200\nReferences: 1\nNumber of entries: {s.Value.Entries.Count}\n"));

    private CommandResult RecordInserts(string tool, string payload)
    {
        var table = "";
        foreach (var line in payload.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..];
            }
            else if (line.StartsWith("-I ", StringComparison.Ordinal))
            {
                // "-I CHAIN 1 RULE"
                var parts = line.Split(' ', 4);
                if (!BuiltInRules.TryGetValue((tool, table, parts[1]), out var rules))
                {
                    BuiltInRules[(tool, table, parts[1])] = rules = [];
                }
                rules.Insert(0, parts[3]);
            }
        }
        return CommandResult.Ok();
    }

    /// <summary><c>iptables-save -t TABLE</c>, of the built-in chains' jumps only (so a full sync inserts only missing ones).</summary>
    private string SaveBuiltIns(string tool, string table) =>
        $"*{table}\n" + string.Concat(BuiltInRules.Where(r => r.Key.Tool == tool && r.Key.Table == table)
            .SelectMany(r => r.Value.Select(rule => $"-A {r.Key.Chain} {rule}\n"))) + "COMMIT\n";

    /// <summary><c>iptables [-w N] -t TABLE -S CHAIN</c> of a built-in chain.</summary>
    private CommandResult List(string tool, IReadOnlyList<string> arguments)
    {
        var table = arguments[arguments.ToList().IndexOf("-t") + 1];
        var chain = arguments[arguments.ToList().IndexOf("-S") + 1];
        var rules = BuiltInRules.GetValueOrDefault((tool, table, chain)) ?? [];
        return CommandResult.Ok($"-P {chain} ACCEPT\n" + string.Concat(rules.Select(r => $"-A {chain} {r}\n")));
    }

    private CommandResult RefuseRestore()
    {
        FailNextIptablesRestore = false;
        return new CommandResult(1, "", "iptables-restore: line 1 failed");
    }

    private string Save() => string.Concat(Sets.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
        $"create {s.Key} {s.Value.Type}\n" + string.Concat(s.Value.Entries.Select(e => $"add {s.Key} {e}\n"))));

    private CommandResult Restore(string payload)
    {
        if (FailNextIpsetRestore is { } failure)
        {
            FailNextIpsetRestore = null;
            return new CommandResult(1, "", $"ipset v7.17: Error in line 1: {failure}");
        }
        var lines = payload.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var words = lines[i].Split(' ');
            var error = words[0] switch
            {
                // As the kernel (IPSET_MAXNAMELEN): a longer name is refused, not cut.
                "create" when words[1].Length > 31 => "Syntax error: setname is longer than 31 characters",
                "create" when Sets.ContainsKey(words[1]) && !words.Contains("-exist") => "set already exists",
                "create" => Do(() => Sets.TryAdd(words[1], (words[2], new SortedSet<string>(StringComparer.Ordinal)))),
                "add" => Sets.TryGetValue(words[1], out var add) ? Do(() => add.Entries.Add(words[2])) : "set does not exist",
                "del" => Sets.TryGetValue(words[1], out var del) ? Do(() => del.Entries.Remove(words[2])) : "set does not exist",
                "swap" when Sets.ContainsKey(words[1]) && Sets.ContainsKey(words[2]) => Do(() => (Sets[words[1]], Sets[words[2]]) = (Sets[words[2]], Sets[words[1]])),
                "destroy" => Sets.Remove(words[1]) ? null : "set does not exist",
                _ => $"cannot {words[0]}",
            };
            if (error is not null)
            {
                return new CommandResult(1, "", $"ipset v7.17: Error in line {i + 1}: {error}");
            }
        }
        return CommandResult.Ok();
    }

    private static string? Do(Action action)
    {
        action();
        return null;
    }
}
