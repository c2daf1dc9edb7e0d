using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables;

/// <summary>
/// iptables mode. Each sync of a family is one <c>iptables-restore --noflush</c> call (ip6tables-restore for
/// IPv6) that applies fully or not at all; a full sync first reads the kernel with iptables-save to find
/// stale chains and missing jumps. Remembers what it last applied per family: the next sync writes only the
/// chains that changed, until a failure or a forced full sync. Upstream's canary chains tell between syncs whether
/// someone wiped our tables (<see cref="DriftedAsync"/>).
/// </summary>
public sealed partial class IptablesBackend(ICommandRunner runner, ISysctl sysctl, IptablesOptions options, ILogger<IptablesBackend> logger) : IProxyBackend
{
    /// <summary>Lets 127.0.0.1 be DNATed to a pod: what localhost node ports need (upstream sets it at start, for IPv4 only).</summary>
    public const string RouteLocalnet = "net/ipv4/conf/all/route_localnet";

    /// <summary>
    /// On the nf_tables backend, a table with more chains to write than this is committed in stages of this many chains:
    /// iptables-nft-restore 1.8's cost per COMMIT grows with lines × chains named in it (a sorted linked list of names),
    /// and the kernel's with the table's size per COMMIT; 256 is near the minimum of the two at 10k–30k services
    /// (docs/performance.md). Leaves first, dispatch last, so every intermediate state works.
    /// </summary>
    public const int NftStageChains = 256;

    /// <summary>
    /// A payload of more rules than this (a first sync of thousands of services) is preceded by a full, compacting
    /// collection that returns free heap to the system: the restore that follows takes seconds (~10 s at 10k services),
    /// and the process's peak RSS is reached while it runs. At 10k services (267k rules) the collection takes 160-190
    /// ms and the peak from 250-254 to 244-246 MiB (docs/performance.md). Partial syncs and hourly full syncs of an
    /// unchanged cluster write far fewer rules and never pay it.
    /// </summary>
    public const int CollectBeforeRestoreAbove = 50_000;

    private readonly AppliedStates<RuleSet> applied = new();

    /// <summary>Rendered rules of unchanged service ports, per family: a pure function's results, kept across failures.</summary>
    private readonly Dictionary<IpFamily, ServicePortCache> rendered = [];

    /// <summary>
    /// Ports the restore tool refused, per family, with its error: left out of every sync until they change (a changed
    /// port is another value, tried again).
    /// </summary>
    private readonly Dictionary<IpFamily, Dictionary<ServicePort, string>> refused = [];

    public string Mode => "iptables";

    public IReadOnlySet<BackendMetric> Metrics { get; } = new HashSet<BackendMetric>
    {
        BackendMetric.FullAndPartialSyncDurations, BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures, BackendMetric.IptablesRules,
        BackendMetric.NfacctCounters,
    };

    /// <summary>As upstream: every failed sync is a restore failure, and a failed partial one is also a partial restore failure.</summary>
    public IReadOnlyList<BackendMetric> FailureCounters(ProxySyncException failure) =>
        failure.PartialSync ? [BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures] : [BackendMetric.IptablesRestoreFailures];

    /// <summary>route_localnet=1 when node ports answer on 127.0.0.1 (upstream sets it at start, for IPv4 only).</summary>
    public IReadOnlyList<KernelSetting> NodeSettings(IReadOnlyList<ProxyState> desired) =>
        desired.Any(s => s.Node.NodePorts.Loopback)
            ? [new(RouteLocalnet, "1", "node ports on 127.0.0.1",
                IfFails: "turn off iptables.localhostNodePorts (--iptables-localhost-nodeports=false) or leave 127.0.0.1 out of --nodeport-addresses")]
            : [];

    public ServiceFeatures Renders => ServiceFeatures.All;

    public Task<SyncResult> SyncAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken) =>
        applied.GuardAsync(() => SyncFamiliesAsync(desired, full, cancellationToken));

    private async Task<SyncResult> SyncFamiliesAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken)
    {
        int servicePorts = 0, changed = 0, rules = 0;
        var anyFull = full;
        var families = ImmutableArray.CreateBuilder<FamilySync>();
        foreach (var desiredState in desired)
        {
            var tools = IptablesTools.For(desiredState.Family);
            if (!rendered.TryGetValue(desiredState.Family, out var cache))
            {
                rendered[desiredState.Family] = cache = new ServicePortCache();
            }
            // Kept out until they change (or the proxy restarts), full syncs included: finding them again costs a failed
            // restore and a search, seconds of CPU per sync period at 10k services.
            var refusedHere = new Dictionary<ServicePort, string>(refused.GetValueOrDefault(desiredState.Family) ?? []);
            var state = Without(desiredState, refusedHere);
            var rulesNow = IptablesRenderer.Render(state, options, cache);
            RestoreTransaction transaction;
            int changedHere;
            var repaired = false;
            var previous = applied.For(state.Family);
            // New jump rules (localhost node ports turned on) are only ever added by a full sync.
            var familyFull = full || previous is null || !previous.Jumps.SequenceEqual(rulesNow.Jumps);
            try
            {
                if (familyFull)
                {
                    KernelRules kernel;
                    try
                    {
                        kernel = await tools.ReadAsync(runner, cancellationToken, BaseChains.Tables).ConfigureAwait(false);
                    }
                    catch (CommandNotFoundException) when (state.Services.Count == 0)
                    {
                        // No ip6tables on an IPv4-only node: nothing to program in that family.
                        LogFamilySkipped(logger, state.Family, tools.Save);
                        continue;
                    }
                    catch (CommandNotFoundException e)
                    {
                        throw new ProxySyncException($"{state.Family} has {state.Services.Count} service ports but {e.Message}", e) { Family = state.Family };
                    }
                    repaired = previous is not null && Drifted(previous, kernel);
                    transaction = RestorePlanner.Full(rulesNow, kernel, out changedHere);
                    anyFull = true;
                }
                else
                {
                    transaction = RestorePlanner.Partial(rulesNow, previous!, out changedHere);
                }

                foreach (var _ in KernelSettings.Ensure(sysctl, NodeSettings([state])))
                {
                    LogRouteLocalnet(logger);
                }
                if (!transaction.IsEmpty)
                {
                    var variant = runner is IptablesWrapper wrapper ? (await wrapper.SelectAsync(cancellationToken).ConfigureAwait(false)).Variant : (IptablesVariant?)null;
                    // nf_tables gets big payloads in stages; legacy gets its chains declared in the order libiptc places fastest.
                    var shape = new RestoreShape(variant == IptablesVariant.Nft ? NftStageChains : int.MaxValue, ReverseNameOrder: variant == IptablesVariant.Legacy);
                    try
                    {
                        await RestoreAsync(tools, transaction, partial: !familyFull, shape, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ProxySyncException refusal) when (state.Services.Count > 0)
                    {
                        var found = await FindRefusedAsync(tools, state, refusal, cancellationToken).ConfigureAwait(false);
                        foreach (var (port, reason) in found)
                        {
                            refusedHere[port] = reason;
                        }
                        state = Without(desiredState, refusedHere);
                        rulesNow = IptablesRenderer.Render(state, options, cache);
                        // What the failed restore left (nothing, or a staged payload's unreachable leaves) is read again.
                        transaction = RestorePlanner.Full(rulesNow, await tools.ReadAsync(runner, cancellationToken, BaseChains.Tables).ConfigureAwait(false), out changedHere);
                        familyFull = anyFull = true;
                        await RestoreAsync(tools, transaction, partial: false, shape, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (ProxySyncException e)
            {
                throw e.InFamily(state.Family);
            }
            // A refused port that is gone or changed is forgotten with it.
            var stillRefused = refusedHere.Count == 0 ? refusedHere : refusedHere.Where(r => desiredState.Services.Contains(r.Key)).ToDictionary();
            refused[state.Family] = stillRefused;
            applied.Set(state.Family, rulesNow);
            var byTable = new Dictionary<string, int>(StringComparer.Ordinal);
            // As upstream's counts, which its canaries (created outside the restore) are not in.
            foreach (var chain in rulesNow.Chains.Where(c => !CanaryChains.Is(c.Table, c.Chain)))
            {
                byTable[chain.Table] = byTable.GetValueOrDefault(chain.Table) + chain.Rules.Count;
            }
            families.Add(new FamilySync(state.Family, familyFull)
            {
                RulesByTable = byTable.ToImmutableDictionary(StringComparer.Ordinal),
                RulesWrittenByTable = TableNames.All.ToImmutableDictionary(t => t, transaction.RulesWrittenIn, StringComparer.Ordinal),
                Refused = stillRefused.Select(r => new RefusedServicePort(r.Key.Name, r.Value)).ToEquatableArray(),
                RepairedDrift = repaired,
            });
            servicePorts += state.Services.Count;
            changed += changedHere;
            rules += transaction.RulesWritten;
        }
        return new SyncResult(anyFull, servicePorts, changed, rules) { Families = families.ToImmutable() };
    }

    /// <summary>
    /// Finds the ports whose rules the restore tool refuses, testing payloads (<c>--test</c>: nothing is committed)
    /// made of subsets of <paramref name="state"/>'s ports against the kernel as it is now.
    /// </summary>
    /// <exception cref="ProxySyncException"><paramref name="refusal"/>, when no port is to blame for it.</exception>
    private async Task<Dictionary<ServicePort, string>> FindRefusedAsync(IptablesTools tools, ProxyState state, ProxySyncException refusal, CancellationToken cancellationToken)
    {
        var kernel = await tools.ReadAsync(runner, cancellationToken, BaseChains.Tables).ConfigureAwait(false);
        var found = await RefusalSearch.FindAsync(state.Services, async ports =>
        {
            // A cache of its own: the probes' renders must not evict the backend's cached ports.
            var rules = IptablesRenderer.Render(state with { Services = ports.ToEquatableArray() }, options, new ServicePortCache());
            return await tools.TestAsync(runner, RestorePlanner.Full(rules, kernel, out _), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (found is not { Count: > 0 })
        {
            throw refusal;
        }
        foreach (var (port, reason) in found)
        {
            LogRefused(logger, port.Name.ToString(), state.Family, reason);
        }
        return found.ToDictionary(f => f.Item, f => f.Reason);
    }

    private static ProxyState Without(ProxyState state, IReadOnlyDictionary<ServicePort, string> refused) =>
        refused.Count == 0 ? state : state with { Services = state.Services.Where(p => !refused.ContainsKey(p)).ToEquatableArray() };

    /// <summary>
    /// Whether the kernel lost or changed rules this backend applied and nobody was meant to touch (iptables -F, -X by
    /// someone else): the full sync writes them back either way; this only tells whether it is a repair.
    /// </summary>
    private static bool Drifted(RuleSet previous, KernelRules kernel) =>
        previous.Chains.Any(c => !kernel.Holds(c.Table, c.Chain, c.Rules)) || previous.Jumps.Any(j => !kernel.HasRule(j.Table, j.BuiltIn, j.Rule));

    /// <summary>
    /// Lists each programmed family's canaries (<see cref="CanaryChains"/>): three small reads per family, where reading
    /// our rules back (iptables-save) takes seconds at 10k services. A canary gone or emptied means someone deleted or
    /// flushed that table. Nothing finer is looked for (one of our chains flushed alone waits for the hourly full sync).
    /// </summary>
    public async Task<bool> DriftedAsync(CancellationToken cancellationToken)
    {
        foreach (var family in applied.All.Keys.ToList())
        {
            var tools = IptablesTools.For(family);
            foreach (var canary in CanaryChains.All)
            {
                ChainListing listing;
                try
                {
                    listing = await tools.ListChainAsync(runner, canary.Table, canary.Chain, cancellationToken).ConfigureAwait(false);
                }
                catch (CommandNotFoundException e)
                {
                    LogCanaryUnreadable(logger, family, e.Message);
                    return true;
                }
                if (listing.WasBusy)
                {
                    // Upstream's Monitor waits out a busy lock the same way: the next period asks again.
                    LogCanaryBusy(logger, family);
                    return false;
                }
                if (!listing.Holds(canary.Rules))
                {
                    LogCanaryGone(logger, canary.Table, family, listing.Exists ? "emptied" : "deleted");
                    return true;
                }
            }
        }
        return false;
    }

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        applied.Forget();
        foreach (var family in await IptablesTools.CleanupAsync(runner, RestorePlanner.Cleanup, cancellationToken, BaseChains.Tables).ConfigureAwait(false))
        {
            LogFamilySkipped(logger, family, IptablesTools.For(family).Save);
        }
    }

    /// <summary>How a payload is laid out for the iptables backend in use (<see cref="RestoreTransaction.Input"/>).</summary>
    private readonly record struct RestoreShape(int StageAbove, bool ReverseNameOrder);

    private async Task RestoreAsync(IptablesTools tools, RestoreTransaction transaction, bool partial, RestoreShape shape, CancellationToken cancellationToken)
    {
        LogRestoring(logger, tools.Restore, transaction.ChainsWritten, transaction.RulesWritten);
        if (transaction.RulesWritten > CollectBeforeRestoreAbove)
        {
            // Everything the render threw away, and the heap the GC kept after it, is returned before the restore.
            var collecting = System.Diagnostics.Stopwatch.StartNew();
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            LogCollected(logger, collecting.Elapsed.TotalMilliseconds, GC.GetTotalMemory(forceFullCollection: false) >> 20);
        }
        await tools.RestoreAsync(runner, transaction, partial, cancellationToken, shape.StageAbove, shape.ReverseNameOrder).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Running {Command}: {Chains} chains, {Rules} rules")]
    private static partial void LogRestoring(ILogger logger, string command, int chains, int rules);

    [LoggerMessage(EventId = 207, Level = LogLevel.Debug, Message = "Collected garbage before a large restore in {Milliseconds:F0} ms: {HeapMiB} MiB of heap in use")]
    private static partial void LogCollected(ILogger logger, double milliseconds, long heapMiB);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Set route_localnet=1 so node ports answer on 127.0.0.1; to change this, turn off iptables.localhostNodePorts (--iptables-localhost-nodeports=false) or leave 127.0.0.1 out of --nodeport-addresses")]
    private static partial void LogRouteLocalnet(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Left service port {ServicePort} ({Family}) out of the rules: the restore tool refuses them, and the node's other services are programmed without it: {Reason}")]
    private static partial void LogRefused(ILogger logger, string servicePort, IpFamily family, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "The " + CanaryChains.Name + " chain of the {Table} table ({Family}) was {How}: someone flushed or deleted our rules")]
    private static partial void LogCanaryGone(ILogger logger, string table, IpFamily family, string how);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Not checking the " + CanaryChains.Name + " chains ({Family}) this time: another process holds the xtables lock")]
    private static partial void LogCanaryBusy(ILogger logger, IpFamily family);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Cannot list the " + CanaryChains.Name + " chains ({Family}): {Reason}")]
    private static partial void LogCanaryUnreadable(ILogger logger, IpFamily family, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Not programming {Family}: {Tool} is not installed and there is nothing to program")]
    private static partial void LogFamilySkipped(ILogger logger, IpFamily family, string tool);
}
