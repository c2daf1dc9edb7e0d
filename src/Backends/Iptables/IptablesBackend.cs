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
/// chains that changed, until a failure or a forced full sync.
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

    private readonly AppliedStates<RuleSet> applied = new();

    /// <summary>Rendered rules of unchanged service ports, per family: a pure function's results, kept across failures.</summary>
    private readonly Dictionary<IpFamily, ServicePortCache> rendered = [];

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
        foreach (var state in desired)
        {
            var tools = IptablesTools.For(state.Family);
            if (!rendered.TryGetValue(state.Family, out var cache))
            {
                rendered[state.Family] = cache = new ServicePortCache();
            }
            var rulesNow = IptablesRenderer.Render(state, options, cache);
            RestoreTransaction transaction;
            int changedHere;
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
                        kernel = await tools.ReadAsync(runner, cancellationToken).ConfigureAwait(false);
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
                    var staged = runner is IptablesWrapper wrapper && (await wrapper.SelectAsync(cancellationToken).ConfigureAwait(false)).Variant == IptablesVariant.Nft;
                    await RestoreAsync(tools, transaction, partial: !familyFull, staged ? NftStageChains : int.MaxValue, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ProxySyncException e)
            {
                throw e.InFamily(state.Family);
            }
            applied.Set(state.Family, rulesNow);
            var byTable = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var chain in rulesNow.Chains)
            {
                byTable[chain.Table] = byTable.GetValueOrDefault(chain.Table) + chain.Rules.Count;
            }
            families.Add(new FamilySync(state.Family, familyFull)
            {
                RulesByTable = byTable.ToImmutableDictionary(StringComparer.Ordinal),
                RulesWrittenByTable = TableNames.All.ToImmutableDictionary(t => t, transaction.RulesWrittenIn, StringComparer.Ordinal),
            });
            servicePorts += state.Services.Count;
            changed += changedHere;
            rules += transaction.RulesWritten;
        }
        return new SyncResult(anyFull, servicePorts, changed, rules) { Families = families.ToImmutable() };
    }

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        applied.Forget();
        foreach (var family in await IptablesTools.CleanupAsync(runner, RestorePlanner.Cleanup, cancellationToken).ConfigureAwait(false))
        {
            LogFamilySkipped(logger, family, IptablesTools.For(family).Save);
        }
    }

    private async Task RestoreAsync(IptablesTools tools, RestoreTransaction transaction, bool partial, int stageAbove, CancellationToken cancellationToken)
    {
        LogRestoring(logger, tools.Restore, transaction.ChainsWritten, transaction.RulesWritten);
        await tools.RestoreAsync(runner, transaction, partial, cancellationToken, stageAbove).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Running {Command}: {Chains} chains, {Rules} rules")]
    private static partial void LogRestoring(ILogger logger, string command, int chains, int rules);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Set route_localnet=1 so node ports answer on 127.0.0.1; to change this, turn off iptables.localhostNodePorts (--iptables-localhost-nodeports=false) or leave 127.0.0.1 out of --nodeport-addresses")]
    private static partial void LogRouteLocalnet(ILogger logger);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Not programming {Family}: {Tool} is not installed and there is nothing to program")]
    private static partial void LogFamilySkipped(ILogger logger, IpFamily family, string tool);
}
