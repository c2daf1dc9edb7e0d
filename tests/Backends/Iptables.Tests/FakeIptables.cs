using System.Text;
using Proxy.Core.Exec;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// A stateful fake of iptables-save / iptables-restore --noflush / iptables -S CHAIN for one family: tables of chains
/// of rules, restore applied per table at COMMIT or not at all (with iptables-restore's "line N failed" error), save
/// printing the current state, -S one chain (exit 1 when it is missing, as iptables). Records every restore payload
/// for tests to assert on.
/// </summary>
internal sealed class FakeIptables : ICommandRunner
{
    private static readonly Dictionary<string, string[]> BuiltIns = new()
    {
        ["filter"] = ["INPUT", "FORWARD", "OUTPUT"],
        ["nat"] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        ["mangle"] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    };

    private readonly Dictionary<string, Dictionary<string, List<string>>> tables = BuiltIns.ToDictionary(
        t => t.Key, t => t.Value.ToDictionary(c => c, _ => new List<string>()));

    public List<string> Payloads { get; } = [];

    public List<Command> Commands { get; } = [];

    /// <summary>Payloads given to <c>--test</c>: checked, never applied.</summary>
    public List<string> Tests { get; } = [];

    /// <summary>Any line holding this text is refused, as the tool refuses what it cannot parse (a test's broken service).</summary>
    public string? Refuse { get; set; }

    /// <summary>When set, the next restore fails at its first line as if the kernel refused it.</summary>
    public bool FailNextRestore { get; set; }

    /// <summary>While set, <c>iptables</c> answers as when another process holds the xtables lock past its wait (exit 4).</summary>
    public bool LockHeld { get; set; }

    /// <summary>Seeds state as if these save lines had been restored (for foreign chains and rules).</summary>
    public void Seed(string save)
    {
        var result = Restore(save);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.StandardError);
        }
        Payloads.Clear();
    }

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        Commands.Add(command);
        // iptables-save or either backend's own (iptables-nft-save, iptables-legacy-save): this fake is one backend.
        return Task.FromResult(command.FileName switch
        {
            "iptables-save" or "iptables-nft-save" or "iptables-legacy-save" => command.Arguments.Count > 1 ? Save(command.Arguments[1]) : CommandResult.Ok(Dump()),
            "iptables-restore" or "iptables-nft-restore" or "iptables-legacy-restore" when command.Arguments.Contains("--test") => Test(command.StandardInput ?? ""),
            "iptables-restore" or "iptables-nft-restore" or "iptables-legacy-restore" => Record(command.StandardInput ?? ""),
            "iptables" or "iptables-nft" or "iptables-legacy" => List(command.Arguments),
            _ => throw new CommandNotFoundException(command.FileName),
        });
    }

    public string Dump() => string.Concat(tables.Keys.Order(StringComparer.Ordinal).Select(t => Save(t).StandardOutput));

    public IEnumerable<string> Chains(string table) => tables[table].Keys;

    public IReadOnlyList<string> Rules(string table, string chain) => tables[table][chain];

    private CommandResult Record(string payload)
    {
        Payloads.Add(payload);
        if (FailNextRestore)
        {
            FailNextRestore = false;
            return new CommandResult(1, "", "iptables-restore: line 2 failed\n");
        }
        return Restore(payload);
    }

    /// <summary>iptables-restore --test: the same checks as a restore, and the tables are left as they were.</summary>
    private CommandResult Test(string payload)
    {
        Tests.Add(payload);
        var before = tables.ToDictionary(t => t.Key, t => t.Value);
        var result = Restore(payload);
        foreach (var (table, chains) in before)
        {
            tables[table] = chains;
        }
        return result;
    }

    /// <summary><c>iptables [-w N] -t TABLE -S CHAIN</c>: the chain as iptables prints it.</summary>
    private CommandResult List(IReadOnlyList<string> arguments)
    {
        if (LockHeld)
        {
            return new CommandResult(4, "", "Another app is currently holding the xtables lock. Stopped waiting after 5s.\n");
        }
        var table = arguments[arguments.ToList().IndexOf("-t") + 1];
        var chain = arguments[arguments.ToList().IndexOf("-S") + 1];
        if (!tables.TryGetValue(table, out var chains) || !chains.TryGetValue(chain, out var rules))
        {
            return new CommandResult(1, "", "iptables: No chain/target/match by that name.\n");
        }
        var header = BuiltIns[table].Contains(chain) ? $"-P {chain} ACCEPT\n" : $"-N {chain}\n";
        return CommandResult.Ok(header + string.Concat(rules.Select(r => $"-A {chain} {r}\n")));
    }

    private CommandResult Save(string table)
    {
        if (!tables.ContainsKey(table))
        {
            return CommandResult.Ok("");
        }
        var text = new StringBuilder($"*{table}\n");
        foreach (var chain in tables[table].Keys)
        {
            text.Append($":{chain} {(BuiltIns[table].Contains(chain) ? "ACCEPT" : "-")} [0:0]\n");
        }
        foreach (var (chain, rules) in tables[table])
        {
            foreach (var rule in rules)
            {
                text.Append($"-A {chain} {rule}\n");
            }
        }
        return CommandResult.Ok(text.Append("COMMIT\n").ToString());
    }

    private CommandResult Restore(string payload)
    {
        Dictionary<string, List<string>>? work = null;
        string? table = null;
        var lines = payload.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string? error = null;
            if (Refuse is not null && line.Contains(Refuse, StringComparison.Ordinal))
            {
                error = "Bad argument";
            }
            else if (line.StartsWith('*'))
            {
                table = line[1..];
                work = tables[table].ToDictionary(kv => kv.Key, kv => new List<string>(kv.Value));
            }
            else if (work is null || table is null)
            {
                error = "no table";
            }
            else if (line == "COMMIT")
            {
                tables[table] = work;
                work = null;
            }
            else if (line.StartsWith(':'))
            {
                var chain = line[1..line.IndexOf(' ', StringComparison.Ordinal)];
                work[chain] = [];
            }
            else
            {
                error = Apply(work, line);
            }
            if (error is not null)
            {
                return new CommandResult(1, "", $"iptables-restore: line {i + 1} failed: {error}\n");
            }
        }
        return CommandResult.Ok();
    }

    private static string? Apply(Dictionary<string, List<string>> work, string line)
    {
        var parts = line.Split(' ', 3);
        var chain = parts[1];
        if (!work.TryGetValue(chain, out var rules))
        {
            return $"no chain {chain}";
        }
        switch (parts[0])
        {
            case "-A":
                return CheckTarget(work, parts[2]) ?? Do(() => rules.Add(parts[2]));
            case "-I":
                var rule = parts[2][(parts[2].IndexOf(' ', StringComparison.Ordinal) + 1)..];
                return CheckTarget(work, rule) ?? Do(() => rules.Insert(0, rule));
            case "-D":
                return rules.Remove(parts[2]) ? null : "no such rule";
            case "-F":
                rules.Clear();
                return null;
            case "-X":
                if (rules.Count > 0)
                {
                    return "chain not empty";
                }
                if (work.Values.Any(r => r.Any(x => x.EndsWith($"-j {chain}", StringComparison.Ordinal))))
                {
                    return "chain is referenced";
                }
                work.Remove(chain);
                return null;
            default:
                return "unknown command";
        }
    }

    private static string? CheckTarget(Dictionary<string, List<string>> work, string rule)
    {
        var at = rule.LastIndexOf("-j ", StringComparison.Ordinal);
        var target = at < 0 ? "" : rule[(at + 3)..].Split(' ')[0];
        return target.StartsWith("KUBE-", StringComparison.Ordinal) && !work.ContainsKey(target) ? $"no chain {target}" : null;
    }

    private static string? Do(Action action)
    {
        action();
        return null;
    }
}
