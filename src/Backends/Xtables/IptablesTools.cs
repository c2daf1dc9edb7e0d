using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Backends.Xtables;

/// <summary>
/// The iptables executables of one family and the ways we call them: read whole tables, list one chain, and apply one
/// payload with <c>--noflush</c>. Shared by iptables mode and IPVS mode (which keeps its masquerade and filter rules in
/// iptables, as upstream).
/// </summary>
public sealed record IptablesTools(string Save, string Restore, string Iptables)
{
    /// <summary>iptables' exit status for a resource problem, here the xtables lock held past our wait (upstream's isResourceError).</summary>
    private const int ResourceProblem = 4;

    /// <summary>Wait up to 5 s for the xtables lock, as upstream, instead of failing when another writer holds it.</summary>
    private const string WaitSeconds = "5";

    public static IptablesTools For(IpFamily family) =>
        family == IpFamily.IPv4 ? new("iptables-save", "iptables-restore", "iptables") : new("ip6tables-save", "ip6tables-restore", "ip6tables");

    /// <summary>
    /// What iptables-save shows for <paramref name="tables"/> (filter and nat unless told); a missing tool throws
    /// <see cref="CommandNotFoundException"/>.
    /// </summary>
    public async Task<KernelRules> ReadAsync(ICommandRunner runner, CancellationToken cancellationToken, IReadOnlyList<string>? tables = null)
    {
        var text = new System.Text.StringBuilder();
        foreach (var table in tables ?? TableNames.All)
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
    /// One chain's rules as <c>iptables -S CHAIN</c> prints them (the text after <c>-A CHAIN </c>, as iptables-save
    /// spells it), without reading the rest of the table where the backend allows (iptables-nft fetches only that
    /// chain; iptables-legacy still copies the table from the kernel, as every legacy read does).
    /// </summary>
    /// <returns>
    /// The rules; <see cref="ChainListing.Missing"/> when the chain (or the table) does not exist, and for any other
    /// refusal but one: <see cref="ChainListing.Busy"/> when the xtables lock stayed held past our wait.
    /// </returns>
    public async Task<ChainListing> ListChainAsync(ICommandRunner runner, string table, string chain, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(Command.Read(Iptables, "-w", WaitSeconds, "-t", table, "-S", chain), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ResourceProblem)
        {
            return ChainListing.Busy;
        }
        if (!result.Succeeded)
        {
            return ChainListing.Missing;
        }
        var prefix = $"-A {chain} ";
        return new ChainListing([.. result.StandardOutput.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..])]);
    }

    /// <summary>
    /// --cleanup of one owner of chains in both families: read each family (<paramref name="tables"/>, filter and nat
    /// unless told), apply what <paramref name="plan"/> makes of it. A family whose tools are not installed (no
    /// ip6tables on an IPv4-only node) holds nothing of ours: skipped.
    /// </summary>
    /// <returns>The families skipped for want of their tools.</returns>
    public static async Task<IReadOnlyList<IpFamily>> CleanupAsync(
        ICommandRunner runner, Func<KernelRules, RestoreTransaction> plan, CancellationToken cancellationToken, IReadOnlyList<string>? tables = null)
    {
        var skipped = new List<IpFamily>();
        foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
        {
            var tools = For(family);
            KernelRules kernel;
            try
            {
                kernel = await tools.ReadAsync(runner, cancellationToken, tables).ConfigureAwait(false);
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
    /// <paramref name="reverseNameOrder"/> is <see cref="RestoreTransaction.Input"/>'s, for iptables-legacy-restore.
    /// </summary>
    public async Task RestoreAsync(ICommandRunner runner, RestoreTransaction transaction, bool partial, CancellationToken cancellationToken, int stageAbove = int.MaxValue, bool reverseNameOrder = false)
    {
        if (transaction.IsEmpty)
        {
            return;
        }
        var command = RestoreCommand(transaction.Input(stageAbove, reverseNameOrder));
        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ProxySyncException(RestoreFailure.Describe(command, result)) { PartialSync = partial };
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
        var command = Command.Write(Restore, transaction.Input(), "-w", WaitSeconds, "--noflush", "--test");
        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? null : RestoreFailure.Describe(command, result);
    }

    public Command RestoreCommand(CommandInput payload) => Command.Write(Restore, payload, "-w", WaitSeconds, "--noflush");
}
