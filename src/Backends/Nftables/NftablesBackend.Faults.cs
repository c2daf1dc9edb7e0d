using Microsoft.Extensions.Logging;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// What nftables mode does about faults outside its own model: a service port whose rules nft refuses is left out
/// (found with <c>nft -c</c>, which checks a transaction without committing it) so the other services are still
/// programmed; and a full sync tells whether our table had gone missing (<c>nft flush ruleset</c>, <c>nft delete
/// table</c>), which it is about to recreate. Kept apart from the sync itself, which is being reworked elsewhere.
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
            var payload = NftPlanner.Full(NftRenderer.Render(tried with { Services = ports.ToEquatableArray() }, options)).ToString();
            var result = await runner.RunAsync(Command.Write(Nft, payload, "-c", "-f", "-"), cancellationToken).ConfigureAwait(false);
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
    /// Whether our table is gone from the kernel although a sync applied it (someone flushed the ruleset). Lists table
    /// names only: listing our table would print every element at each periodic full sync.
    /// </summary>
    private async Task<bool> TableLostAsync(IpFamily family, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(Command.Read(Nft, "list", "tables"), cancellationToken).ConfigureAwait(false);
        var ours = $"table {(family == IpFamily.IPv4 ? "ip" : "ip6")} {NftNames.Table}";
        return result.Succeeded && !result.StandardOutput.Split('\n').Any(l => l.Trim() == ours);
    }

    [LoggerMessage(EventId = 252, Level = LogLevel.Warning, Message = "Left service port {ServicePort} ({Family}) out of the rules: nft refuses them, and the node's other services are programmed without it: {Reason}")]
    private static partial void LogRefused(ILogger logger, string servicePort, IpFamily family, string reason);
}
