using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Backends.Xtables;

/// <summary>
/// The save/restore executables of one family and the two ways we call them: read the filter and nat tables, and
/// apply one payload with <c>--noflush</c>. Shared by iptables mode and IPVS mode (which keeps its masquerade and
/// filter rules in iptables, as upstream).
/// </summary>
public sealed record IptablesTools(string Save, string Restore)
{
    /// <summary>Wait up to 5 s for the xtables lock, as upstream, instead of failing when another writer holds it.</summary>
    private const string WaitSeconds = "5";

    public static IptablesTools For(IpFamily family) =>
        family == IpFamily.IPv4 ? new("iptables-save", "iptables-restore") : new("ip6tables-save", "ip6tables-restore");

    /// <summary>What iptables-save shows for the tables we use; a missing tool throws <see cref="CommandNotFoundException"/>.</summary>
    public async Task<KernelRules> ReadAsync(ICommandRunner runner, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder();
        foreach (var table in TableNames.All)
        {
            var result = await runner.RunAsync(Command.Read(Save, "-t", table), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new ProxySyncException($"{Save} -t {table} exited {result.ExitCode}: {result.StandardError.Trim()}");
            }
            text.Append(result.StandardOutput);
        }
        return KernelRules.Parse(text.ToString());
    }

    /// <summary>
    /// --cleanup of one owner of chains in both families: read each family, apply what <paramref name="plan"/> makes of
    /// it. A family whose tools are not installed (no ip6tables on an IPv4-only node) holds nothing of ours: skipped.
    /// </summary>
    /// <returns>The families skipped for want of their tools.</returns>
    public static async Task<IReadOnlyList<IpFamily>> CleanupAsync(ICommandRunner runner, Func<KernelRules, RestoreTransaction> plan, CancellationToken cancellationToken)
    {
        var skipped = new List<IpFamily>();
        foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
        {
            var tools = For(family);
            KernelRules kernel;
            try
            {
                kernel = await tools.ReadAsync(runner, cancellationToken).ConfigureAwait(false);
            }
            catch (CommandNotFoundException)
            {
                skipped.Add(family);
                continue;
            }
            await tools.RestoreAsync(runner, plan(kernel), partial: false, cancellationToken).ConfigureAwait(false);
        }
        return skipped;
    }

    /// <summary>
    /// Applies <paramref name="transaction"/> in one call (nothing when it is empty); a refusal throws. With
    /// <paramref name="stageAbove"/>, a table that declares more chains is committed in stages (see
    /// <see cref="RestoreTransaction.ToString(int)"/>): a refusal then leaves the stages before it applied.
    /// </summary>
    public async Task RestoreAsync(ICommandRunner runner, RestoreTransaction transaction, bool partial, CancellationToken cancellationToken, int stageAbove = int.MaxValue)
    {
        if (transaction.IsEmpty)
        {
            return;
        }
        var payload = transaction.ToString(stageAbove);
        var command = RestoreCommand(payload);
        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ProxySyncException(RestoreFailure.Describe(command, result, payload)) { PartialSync = partial };
        }
    }

    /// <summary>
    /// Whether the tool would accept <paramref name="transaction"/> now: <c>--test</c> parses and builds it against the
    /// kernel's tables without committing. Returns the tool's error, or null when it accepts the payload.
    /// </summary>
    public async Task<string?> TestAsync(ICommandRunner runner, RestoreTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction.IsEmpty)
        {
            return null;
        }
        var payload = transaction.ToString();
        var command = Command.Write(Restore, payload, "-w", WaitSeconds, "--noflush", "--test");
        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? null : RestoreFailure.Describe(command, result, payload);
    }

    public Command RestoreCommand(string payload) => Command.Write(Restore, payload, "-w", WaitSeconds, "--noflush");
}
