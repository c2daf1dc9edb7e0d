using Microsoft.Extensions.Logging;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// What nftables mode does about faults outside its own model: a service port whose rules nft refuses is left out
/// (found with <c>nft -c</c>, which checks a transaction without committing it) so the other services are still
/// programmed; and whether our table lost what a sync applied (<c>nft flush ruleset</c>, <c>nft delete table</c>,
/// <c>nft flush table</c>): asked before each periodic sync, and by a full sync, which is about to repair it, to count
/// the repair. Kept apart from the sync itself, which is being reworked elsewhere.
/// </summary>
public sealed partial class NftablesBackend
{
    /// <summary>Refused ports per family with nft's error, kept out until they change (a changed port is tried again).</summary>
    private readonly Dictionary<IpFamily, Dictionary<ServicePort, string>> refused = [];

    private ProxyState WithoutRefused(ProxyState state)
    {
        if (!refused.TryGetValue(state.Family, out var known))
        {
            refused[state.Family] = [];
            return state;
        }
        // A refused port that is gone or changed is forgotten with it.
        refused[state.Family] = known = known.Where(r => state.Services.Contains(r.Key)).ToDictionary();
        return known.Count == 0 ? state : state with { Services = state.Services.Where(p => !known.ContainsKey(p)).ToEquatableArray() };
    }

    private EquatableArray<RefusedServicePort> Refused(ProxyState state) =>
        refused.GetValueOrDefault(state.Family)?.Select(r => new RefusedServicePort(r.Key.Name, r.Value)).ToEquatableArray() ?? EquatableArray<RefusedServicePort>.Empty;

    /// <summary>
    /// After nft refused a transaction for <paramref name="tried"/>: finds the ports whose rules it refuses, by checking
    /// full transactions of subsets, remembers them, and returns <paramref name="desired"/> without them.
    /// </summary>
    /// <exception cref="ProxySyncException"><paramref name="refusal"/>, when no port is to blame for it.</exception>
    private async Task<ProxyState> IsolateAsync(ProxyState desired, ProxyState tried, ProxySyncException refusal, CancellationToken cancellationToken)
    {
        var found = await RefusalSearch.FindAsync(tried.Services, async ports =>
        {
            var transaction = NftPlanner.Full(NftRenderer.Render(tried with { Services = ports.ToEquatableArray() }, options));
            var result = await runner.RunAsync(Command.Write(Nft, transaction.Input, "-c", "-f", "-"), cancellationToken).ConfigureAwait(false);
            return result.Succeeded ? null : $"nft -c exited {result.ExitCode}: {result.StandardError.Trim()}";
        }).ConfigureAwait(false);
        if (found is not { Count: > 0 })
        {
            throw refusal;
        }
        var known = refused[desired.Family];
        foreach (var (port, reason) in found)
        {
            known[port] = reason;
            LogRefused(logger, port.Name.ToString(), desired.Family, reason);
        }
        return desired with { Services = desired.Services.Where(p => !known.ContainsKey(p)).ToEquatableArray() };
    }

    /// <summary>
    /// Whether any family lost what a sync applied there (<see cref="LostAsync"/>). Upstream's nftables mode has no
    /// canary; this asks the kernel one cheap question per family instead.
    /// </summary>
    public Task<bool> DriftedAsync(CancellationToken cancellationToken) =>
        applied.AnyLostAsync((family, ruleset) => LostAsync(family, ruleset, cancellationToken));

    /// <summary>
    /// Whether the kernel lost what a sync applied in <paramref name="family"/>, asked without listing anything: nft
    /// 1.0.6 fetches every set element of the table for any listing but <c>list chains</c> (<c>nft list chain</c> and
    /// even <c>nft list tables</c> took 4–6 s beside a 100k-element map, under load), which shows no rules. Instead nft
    /// checks (<c>-c</c>: the kernel validates the transaction, then aborts it) the deletion of our dispatch chain
    /// <see cref="NftNames.Services"/>: the kernel refuses to delete a chain that rules jump to (EBUSY), which is the
    /// answer "our rules are there"; it accepts when nothing jumps to it any more (<c>nft flush table</c> emptied every
    /// chain) and answers ENOENT when the table is gone (<c>nft flush ruleset</c>, <c>nft delete table</c>): drift.
    /// 50 ms at any size. Elements deleted one by one from a map are not looked for: the hourly full sync rewrites them.
    /// </summary>
    private async Task<bool> LostAsync(IpFamily family, NftRuleset ruleset, CancellationToken cancellationToken)
    {
        // Checked, never committed: a read, which --dry-run may run too.
        var check = new Command(Nft, EquatableArray.Create("-c", "-f", "-"), $"delete chain {ruleset.Family} {NftNames.Table} {NftNames.Services}\n", ChangesKernel: false);
        CommandResult result;
        try
        {
            result = await runner.RunAsync(check, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandNotFoundException e)
        {
            LogChainUnreadable(logger, family, e.Message);
            return true;
        }
        // strerror(EBUSY); in another locale the text differs, and every periodic sync is full: slower, never wrong.
        if (!result.Succeeded && result.StandardError.Contains("busy", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        LogChainLost(logger, family, result.Succeeded ? "nothing jumps to our dispatch chain any more (its rules were flushed)" : $"nft exited {result.ExitCode}: {result.StandardError.Trim()}");
        return true;
    }

    [LoggerMessage(EventId = 253, Level = LogLevel.Warning, Message = "Our nftables table ({Family}) lost what the last sync applied: {How}")]
    private static partial void LogChainLost(ILogger logger, IpFamily family, string how);

    [LoggerMessage(EventId = 254, Level = LogLevel.Warning, Message = "Cannot list our nftables table ({Family}): {Reason}")]
    private static partial void LogChainUnreadable(ILogger logger, IpFamily family, string reason);

    [LoggerMessage(EventId = 252, Level = LogLevel.Warning, Message = "Left service port {ServicePort} ({Family}) out of the rules: nft refuses them, and the node's other services are programmed without it: {Reason}")]
    private static partial void LogRefused(ILogger logger, string servicePort, IpFamily family, string reason);
}
