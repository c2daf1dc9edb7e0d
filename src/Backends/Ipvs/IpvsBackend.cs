using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging;
using Proxy.Backends.Xtables;
using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Backends.Ipvs.Rules;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Core.Model;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// IPVS mode. Per family and sync: the kube-ipvs0 dummy holds every service address; one <c>ipset restore</c> updates
/// the sets the masquerade and filter rules match on; on full syncs one <c>iptables-restore --noflush</c> rewrites those
/// rules; then the virtual servers are planned against the kernel's table (full sync) or the one last applied (partial
/// sync) and applied over generic netlink, and addresses of deleted services are unbound. IPVS itself has no
/// transactions: a failure part-way leaves a mix, which the next (full) sync repairs.
/// </summary>
public sealed partial class IpvsBackend(
    ICommandRunner runner,
    Func<IIpvsClient> ipvsFactory,
    ILinkClient links,
    ISysctl sysctl,
    IpvsOptions options,
    ILogger<IpvsBackend> logger) : IProxyBackend, IDisposable
{
    public const string DummyDevice = "kube-ipvs0";

    /// <summary>ENOENT from the generic netlink controller: no "IPVS" family, i.e. no ip_vs module.</summary>
    private const int NoSuchFamily = 2;

    /// <summary>ESRCH: the virtual server is gone (someone else deleted it).</summary>
    private const int NoSuchService = 3;

    private readonly AppliedStates<IpvsApplied> applied = new();
    private IIpvsClient? ipvs;
    private bool timeoutsLogged;

    /// <summary>The last failure of iptables-restore: upstream's IPVS proxier counts those, and only those.</summary>
    private ProxySyncException? restoreFailure;

    public string Mode => "ipvs";

    public IReadOnlySet<BackendMetric> Metrics { get; } = new HashSet<BackendMetric> { BackendMetric.IptablesRestoreFailures };

    public IReadOnlyList<BackendMetric> FailureCounters(ProxySyncException failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            if (ReferenceEquals(e, restoreFailure))
            {
                return [BackendMetric.IptablesRestoreFailures];
            }
        }
        return [];
    }

    /// <summary>The sysctls upstream's IPVS proxier sets (<see cref="IpvsSysctls"/>); an IPVS one that does not exist means no ip_vs module.</summary>
    public IReadOnlyList<KernelSetting> NodeSettings(IReadOnlyList<ProxyState> desired) =>
        [.. IpvsSysctls.For(options).Select(s => new KernelSetting(s.Path, s.Value, s.Why,
            IfMissing: s.Path.StartsWith("net/ipv4/vs/", StringComparison.Ordinal) ? "this kernel has no IPVS (load the ip_vs module: modprobe ip_vs)" : null))];

    /// <summary>Every feature of the model, as upstream's ipvs proxier programs it (a Local policy with no local endpoint falls back to the cluster set).</summary>
    public ServiceFeatures Renders => ServiceFeatures.All;

    public Task<SyncResult> SyncAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken) =>
        applied.GuardAsync(async () =>
        {
            try
            {
                return await SyncFamiliesAsync(desired, full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NetlinkException or IOException)
            {
                // Outside any family's sync (the node-wide sysctls): no family to blame.
                throw new ProxySyncException($"IPVS sync failed: {e.Message}", e);
            }
        });

    public void Dispose()
    {
        (ipvs as IDisposable)?.Dispose();
        (links as IDisposable)?.Dispose();
    }

    private async Task<SyncResult> SyncFamiliesAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken)
    {
        int servicePorts = 0, changed = 0, written = 0;
        var anyFull = full;
        var families = ImmutableArray.CreateBuilder<FamilySync>();
        if (desired.Any(s => full || applied.For(s.Family) is null))
        {
            foreach (var setting in KernelSettings.Ensure(sysctl, NodeSettings(desired)))
            {
                LogSysctl(logger, setting.Path, setting.Value, setting.Why);
            }
            SetTimeouts();
        }
        foreach (var state in desired)
        {
            var previous = applied.For(state.Family);
            var familyFull = full || previous is null;
            anyFull |= familyFull;
            int operations, rules;
            bool repaired;
            try
            {
                (operations, rules, repaired) = await SyncFamilyAsync(state, previous, familyFull, cancellationToken).ConfigureAwait(false);
            }
            catch (ProxySyncException e)
            {
                throw e.InFamily(state.Family);
            }
            catch (Exception e) when (e is NetlinkException or IOException)
            {
                throw new ProxySyncException($"IPVS sync failed: {e.Message}", e) { Family = state.Family };
            }
            servicePorts += state.Services.Count;
            changed += familyFull ? state.Services.Count : ChangedPorts(previous!.State, state);
            written += operations + rules;
            var byTable = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (table, _, _) in IpvsRules.Rules(state, options.MasqueradeBit))
            {
                byTable[table] = byTable.GetValueOrDefault(table) + 1;
            }
            families.Add(new FamilySync(state.Family, familyFull) { RulesByTable = byTable.ToImmutableDictionary(StringComparer.Ordinal), RepairedDrift = repaired });
        }
        return new SyncResult(anyFull, servicePorts, changed, written) { Families = families.ToImmutable() };
    }

    /// <returns>How many IPVS operations and iptables rules were written, and whether virtual servers we had left were changed by someone else.</returns>
    private async Task<(int Operations, int Rules, bool RepairedDrift)> SyncFamilyAsync(ProxyState state, IpvsApplied? previous, bool full, CancellationToken cancellationToken)
    {
        var family = state.Family;
        var kernelIpvs = Ipvs();
        var index = links.FindLink(DummyDevice) ?? links.CreateDummy(DummyDevice);
        var addresses = links.GetAddresses(family);
        var bound = addresses.Where(a => a.LinkIndex == index).Select(a => a.Address).ToHashSet();
        var nodeAddresses = NodeAddresses(addresses, index);
        var nodePortAddresses = NodePortAddresses(state, nodeAddresses);
        // Upstream binds external and load-balancer IPs too: they must be local for IPVS to see their traffic.
        var serviceAddresses = state.Services.SelectMany(p => p.LoadBalancerIPs.Concat(p.ExternalIPs).Prepend(p.ClusterIP)).Distinct().ToList();
        var contents = IpsetContents.From(state, nodePortAddresses, serviceAddresses);

        // Sets first: the rules and virtual servers below rely on them.
        var servedNodePorts = state.Services.Where(p => p.NodePort != 0).Select(p => (p.Protocol, p.NodePort)).ToHashSet();
        var nodePortsOwned = servedNodePorts.ToHashSet();
        if (previous is null)
        {
            // First sync (or the first after a failure): the kernel's node-port sets say which node ports an earlier
            // run, or the sync that failed, left behind.
            var kernelSets = await IpsetCommands.ReadAsync(runner, cancellationToken).ConfigureAwait(false);
            nodePortsOwned.UnionWith(IpsetContents.NodePorts(family, kernelSets));
            await IpsetCommands.RestoreAsync(runner, IpsetRestore.Replace(contents, kernelSets.Keys.ToHashSet()), partial: false, cancellationToken).ConfigureAwait(false);
        }
        else if (full)
        {
            nodePortsOwned.UnionWith(previous.NodePorts);
            var names = await IpsetCommands.ReadNamesAsync(runner, cancellationToken).ConfigureAwait(false);
            await IpsetCommands.RestoreAsync(runner, IpsetRestore.Replace(contents, names), partial: false, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            nodePortsOwned.UnionWith(previous.NodePorts);
            var diff = IpsetRestore.Diff(previous.Sets, contents);
            if (diff.Length > 0)
            {
                await IpsetCommands.RestoreAsync(runner, diff, partial: true, cancellationToken).ConfigureAwait(false);
            }
        }
        var rules = full ? await RestoreRulesAsync(state, cancellationToken).ConfigureAwait(false) : 0;

        var missing = serviceAddresses.Where(a => !bound.Contains(a)).ToList();
        if (missing.Count > 0)
        {
            links.AddAddresses(index, missing);
        }

        var serviceAddressSet = serviceAddresses.ToHashSet();
        var ourAddresses = bound.Union(serviceAddressSet).ToHashSet();
        // Every node address, chosen for node ports or not: a node port left on one that is no longer chosen is still ours.
        var nodeAddressSet = nodeAddresses.Concat(nodePortAddresses).ToHashSet();
        bool Owned(IpvsVirtualServer vs) => Owns(vs, ourAddresses, nodeAddressSet, nodePortsOwned);
        var current = full ? Dump(kernelIpvs, family) : Refresh(kernelIpvs, previous!.Table);
        var drifted = full && previous is not null && IpvsDrift.Found(previous.Table, current);
        var wanted = IpvsDesiredService.From(state, Scheduler, nodePortAddresses);
        var operations = IpvsPlanner.Plan(wanted, current, Owned);
        if (operations.Count > 0)
        {
            LogApplying(logger, family, operations.Count);
            kernelIpvs.Apply(operations);
        }
        var table = IpvsPlanner.After(current.Where(c => Owned(c.Key)).ToDictionary(), operations);

        // Addresses last: a virtual server that was still deleting must not lose its address first.
        var stale = bound.Where(a => !serviceAddressSet.Contains(a)).ToList();
        if (stale.Count > 0)
        {
            links.DeleteAddresses(index, stale);
        }
        applied.Set(family, new IpvsApplied(state, table, contents, servedNodePorts));
        return (operations.Count, rules, drifted);
    }

    private string Scheduler => options.Scheduler.Length == 0 ? "rr" : options.Scheduler;

    /// <summary>
    /// Whether a virtual server is ours, for syncs and cleanup alike: on one of our service addresses (bound to
    /// kube-ipvs0), or one of our node ports on a node address; never in --ipvs-exclude-cidrs. Someone else's virtual
    /// server on a node address and another port is not.
    /// </summary>
    private bool Owns(IpvsVirtualServer vs, IReadOnlySet<IPAddress> serviceAddresses, IReadOnlySet<IPAddress> nodeAddresses, IReadOnlySet<(L4Protocol, int)> nodePorts) =>
        !options.ExcludeCidrs.Any(c => c.Contains(vs.Address))
        && (serviceAddresses.Contains(vs.Address) || (nodeAddresses.Contains(vs.Address) && nodePorts.Contains((vs.Protocol, vs.Port))));

    /// <summary>
    /// The addresses node ports are served on: every address of the family except kube-ipvs0's, loopback and IPv6
    /// link-local ones (upstream's GetAllLocalAddressesExcept). Each once, in address order.
    /// </summary>
    private static List<IPAddress> NodeAddresses(IReadOnlyList<LinkAddress> addresses, int dummyIndex) =>
        [.. addresses
            .Where(a => a.LinkIndex != dummyIndex && !IPAddress.IsLoopback(a.Address) && !a.Address.IsIPv6LinkLocal)
            .Select(a => a.Address)
            .Distinct()
            .OrderBy(a => a.GetAddressBytes(), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];

    /// <summary>
    /// Where this family's node ports get virtual servers: every node address (<see cref="NodeAddresses"/>) unless
    /// --nodeport-addresses chose some; never loopback, which IPVS mode does not serve (upstream skips it too).
    /// </summary>
    private static List<IPAddress> NodePortAddresses(ProxyState state, List<IPAddress> nodeAddresses) =>
        state.Node.NodePorts.AllLocal
            ? nodeAddresses
            : [.. state.Node.NodePorts.Addresses.Where(a => a.Family() == state.Family && !IPAddress.IsLoopback(a)).Distinct()];

    private static Dictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> Dump(IIpvsClient client, IpFamily family) =>
        client.GetServices()
            .Where(s => s.Address.AddressFamily == family.ToAddressFamily())
            .ToDictionary(s => s, client.GetDestinations);

    /// <summary>What was last applied, with the real servers of services that are draining one re-read: their connection counts decide when they go.</summary>
    private static Dictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> Refresh(
        IIpvsClient client, IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> table)
    {
        var result = new Dictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>>();
        foreach (var (service, destinations) in table)
        {
            if (!destinations.Any(d => d.Server.Weight == 0))
            {
                result[service] = destinations;
                continue;
            }
            try
            {
                result[service] = client.GetDestinations(service);
            }
            catch (NetlinkException e) when (e.Errno == NoSuchService)
            {
                // Deleted behind our back: the plan adds it again.
            }
        }
        return result;
    }

    private static int ChangedPorts(ProxyState before, ProxyState after)
    {
        var old = before.Services.ToDictionary(p => p.Name);
        var now = after.Services.ToDictionary(p => p.Name);
        return now.Count(p => !old.TryGetValue(p.Key, out var was) || was != p.Value) + old.Keys.Count(k => !now.ContainsKey(k));
    }

    /// <summary>
    /// The connection timeouts, when any is configured: upstream sets them once as its proxier starts; here with the
    /// node's sysctls, at every full sync, so one reset by someone else is put back (one netlink request).
    /// </summary>
    private void SetTimeouts()
    {
        if (!options.Timeouts.Any)
        {
            return;
        }
        Ipvs().SetTimeouts(options.Timeouts);
        if (!timeoutsLogged)
        {
            timeoutsLogged = true;
            LogTimeouts(logger, options.Timeouts.ToString());
        }
    }

    private IIpvsClient Ipvs() =>
        TryIpvs() ?? throw new ProxySyncException("this kernel has no IPVS (the generic netlink family \"IPVS\" is missing): load the ip_vs module (modprobe ip_vs) or choose another --proxy-mode");

    /// <returns>The number of rules written.</returns>
    private async Task<int> RestoreRulesAsync(ProxyState state, CancellationToken cancellationToken)
    {
        var tools = IptablesTools.For(state.Family);
        var kernel = await tools.ReadAsync(runner, cancellationToken).ConfigureAwait(false);
        var transaction = IpvsRules.Full(state, options.MasqueradeBit, kernel);
        try
        {
            await tools.RestoreAsync(runner, transaction, partial: false, cancellationToken).ConfigureAwait(false);
        }
        catch (ProxySyncException e)
        {
            restoreFailure = e;
            throw;
        }
        return transaction.RulesWritten;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Applying {Count} IPVS operations ({Family})")]
    private static partial void LogApplying(ILogger logger, IpFamily family, int count);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Setting sysctl {Path}={Value} ({Why})")]
    private static partial void LogSysctl(ILogger logger, string path, string value, string why);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Set the IPVS connection timeouts (ipvsadm {Timeouts}; 0 keeps the kernel's)")]
    private static partial void LogTimeouts(ILogger logger, string timeouts);
}
