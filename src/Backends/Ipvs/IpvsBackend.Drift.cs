using Microsoft.Extensions.Logging;
using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Backends.Ipvs.Rules;
using Proxy.Backends.Xtables;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// Whether the kernel lost what a sync applied: IPVS mode's partial syncs plan against what they applied and never read
/// the kernel back, so without this question a cleared table (<c>ipvsadm -C</c>) or flushed rules and sets would wait
/// for the hourly full sync.
/// </summary>
public sealed partial class IpvsBackend
{
    public Task<bool> DriftedAsync(CancellationToken cancellationToken) =>
        applied.AnyLostAsync((family, state) => LostAsync(family, state, cancellationToken));

    /// <summary>
    /// Three cheap reads for one family, each catching one kind of wipe: the virtual servers (one netlink dump of the
    /// services, without their real servers), every one we applied still there (by address, protocol and port: a
    /// scheduler changed behind our back waits for the hourly full sync, as a false alarm here would make every
    /// periodic sync full);
    /// our ipsets' sizes (<c>ipset list -t</c>, headers only) against what we put in them; and each table's jumps into
    /// our chains (one <c>iptables -S</c> of a built-in chain per table). A real server removed alone, or one of our
    /// chains flushed alone, is not looked for: the hourly full sync rewrites those. kube-ipvs0 and its addresses need no
    /// check: every sync, partial ones too, puts them back.
    /// </summary>
    private async Task<bool> LostAsync(IpFamily family, IpvsApplied state, CancellationToken cancellationToken)
    {
        try
        {
            var kernel = Ipvs().GetServices().Select(vs => (vs.Address, vs.Protocol, vs.Port)).ToHashSet();
            var missing = state.Table.Keys.Count(vs => !kernel.Contains((vs.Address, vs.Protocol, vs.Port)));
            if (missing > 0)
            {
                LogLost(logger, family, $"{missing} of our {state.Table.Count} virtual servers are gone or changed");
                return true;
            }
            var sizes = await IpsetCommands.ReadSizesAsync(runner, cancellationToken).ConfigureAwait(false);
            foreach (var (name, entries) in state.Sets.Sets)
            {
                if (sizes.GetValueOrDefault(name, -1) != entries.Count)
                {
                    LogLost(logger, family, sizes.ContainsKey(name) ? $"ipset {name} holds {sizes[name]} entries, not {entries.Count}" : $"ipset {name} is gone");
                    return true;
                }
            }
            var tools = IptablesTools.For(family);
            foreach (var (table, builtIn) in IpvsChains.Probes)
            {
                var listing = await tools.ListChainAsync(runner, table, builtIn, cancellationToken).ConfigureAwait(false);
                if (listing.WasBusy)
                {
                    // The next period asks again, as iptables mode does.
                    return false;
                }
                var gone = IpvsChains.Jumps.Where(j => j.Table == table && j.BuiltIn == builtIn && listing.Rules?.Contains(j.Rule) != true).ToList();
                if (gone.Count > 0)
                {
                    LogLost(logger, family, $"{gone.Count} of our jumps from {table} {builtIn} are gone");
                    return true;
                }
            }
            return false;
        }
        catch (Exception e) when (e is ProxySyncException or CommandNotFoundException or NetlinkException or IOException)
        {
            LogLost(logger, family, $"the kernel could not be read: {e.Message}");
            return true;
        }
    }

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "IPVS mode's state ({Family}) lost what the last sync applied: {How}")]
    private static partial void LogLost(ILogger logger, IpFamily family, string how);
}
