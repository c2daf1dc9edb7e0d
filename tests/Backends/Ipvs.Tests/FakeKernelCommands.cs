using Proxy.Core.Exec;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>
/// The commands IPVS mode runs, faked: a stateful <c>ipset</c> (save and restore, applied line by line and stopping at
/// the first refused line, as the real tool does) and an <c>iptables-save</c>/<c>iptables-restore</c> pair that
/// records payloads (the rules themselves are checked as text, and in the kernel by the conformance tests).
/// </summary>
internal sealed class FakeKernelCommands : ICommandRunner
{
    public Dictionary<string, (string Type, SortedSet<string> Entries)> Sets { get; } = new(StringComparer.Ordinal);

    public List<Command> Commands { get; } = [];

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
            "ipset" when command.Arguments[0] == "list" => CommandResult.Ok(string.Concat(Sets.Keys.Select(k => k + "\n"))),
            "ipset" => Restore(command.StandardInput!),
            "iptables-save" or "ip6tables-save" => CommandResult.Ok(""),
            "iptables-restore" when FailNextIptablesRestore => RefuseRestore(),
            _ => CommandResult.Ok(),
        });
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
