using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// nftables mode: tables <c>ip kube-proxy</c> and <c>ip6 kube-proxy</c>, owned entirely by us, each sync one
/// <c>nft -f</c> transaction (atomic: it applies fully or changes nothing; given as a complete file, so that a proxy
/// killed mid-write never hands nft half of one). Remembers what it last applied per
/// family; after a full sync, changes are element-level until a failure or a forced full sync. A forced full sync
/// over a known table rewrites it in place (keeping session affinity's memories); only when a failure left the
/// kernel's content unknown is the table replaced.
/// </summary>
/// <remarks>
/// Isolation of refused service ports and drift detection are in NftablesBackend.Faults.cs. With an
/// <paramref name="elementWriter"/>, a partial sync that only adds and deletes elements skips nft (which dumps the
/// whole table first) and goes to the kernel as one batch, just as atomic; every other transaction is nft's.
/// </remarks>
public sealed partial class NftablesBackend(ICommandRunner runner, NftablesOptions options, ILogger<NftablesBackend> logger, INftElementWriter? elementWriter = null) : IProxyBackend
{
    private const string Nft = "nft";

    /// <summary>
    /// nft 1.0.6 mallocs an expression tree per set element: a 10k-service full sync (220k elements) took 96k page
    /// faults and 2.6 s of user time in nft. Backing glibc's heap with transparent huge pages (glibc 2.35+; older ones
    /// and other libcs ignore the variable) took that to 5k faults and 1.4–2.0 s, the whole `nft -f` from 6.6 to 5.2 s
    /// (docs/performance.md). Only for nft: iptables-restore showed no gain.
    /// </summary>
    private static readonly EquatableArray<(string, string)> NftEnvironment = EquatableArray.Create(("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1"));

    private readonly AppliedStates<NftRuleset> applied = new();

    public string Mode => "nftables";

    /// <summary>
    /// Upstream's nftables metrics. Its cleanup counter counts a separate transaction that removes stale chains; here
    /// stale objects go in the sync's own transaction, whose failure is a sync failure, so it stays 0.
    /// </summary>
    public IReadOnlySet<BackendMetric> Metrics { get; } = new HashSet<BackendMetric> { BackendMetric.NftablesSyncFailures, BackendMetric.NftablesCleanupFailures };

    public IReadOnlyList<BackendMetric> FailureCounters(ProxySyncException failure) => [BackendMetric.NftablesSyncFailures];

    /// <summary>nftables mode needs no kernel parameters (upstream's nftables proxier sets none).</summary>
    public IReadOnlyList<KernelSetting> NodeSettings(IReadOnlyList<ProxyState> desired) => [];

    public ServiceFeatures Renders => ServiceFeatures.All;

    public Task<SyncResult> SyncAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken) =>
        applied.GuardAsync(() => SyncFamiliesAsync(desired, full, cancellationToken));

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        applied.Forget();
        var transaction = NftPlanner.Cleanup(["ip", "ip6"]);
        try
        {
            await ApplyAsync(transaction, partial: null, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandNotFoundException)
        {
            LogNoNft(logger);
        }
    }

    private async Task<SyncResult> SyncFamiliesAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken)
    {
        int servicePorts = 0, written = 0;
        var anyFull = false;
        var changed = 0;
        var families = ImmutableArray.CreateBuilder<FamilySync>();
        foreach (var desiredState in desired)
        {
            var state = WithoutRefused(desiredState);
            var previous = applied.For(state.Family);
            var ruleset = NftRenderer.Render(state, options, previous);
            var partial = !full && previous is not null ? NftPlanner.Partial(ruleset, previous) : null;
            var transaction = partial ?? (previous is null ? NftPlanner.Full(ruleset) : NftPlanner.Full(ruleset, previous));
            var repaired = false;
            try
            {
                repaired = partial is null && previous is not null && await LostAsync(state.Family, previous, cancellationToken).ConfigureAwait(false);
                if (!transaction.IsEmpty)
                {
                    try
                    {
                        await ApplyAsync(transaction, partial is not null ? ruleset : null, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ProxySyncException refusal) when (state.Services.Count > 0)
                    {
                        state = await IsolateAsync(desiredState, state, refusal, cancellationToken).ConfigureAwait(false);
                        ruleset = NftRenderer.Render(state, options);
                        transaction = NftPlanner.Full(ruleset);
                        partial = null;
                        await ApplyAsync(transaction, partial: null, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (CommandNotFoundException) when (state.Services.Count == 0)
            {
                LogNoNft(logger);
                continue;
            }
            catch (CommandNotFoundException e)
            {
                throw new ProxySyncException($"{state.Family} has {state.Services.Count} service ports but {e.Message}", e) { Family = state.Family };
            }
            catch (ProxySyncException e)
            {
                throw e.InFamily(state.Family);
            }
            anyFull |= partial is null;
            changed += partial is null ? state.Services.Count : ChangedServices(ruleset, previous!);
            applied.Set(state.Family, ruleset);
            families.Add(new FamilySync(state.Family, Full: partial is null) { Refused = Refused(desiredState), RepairedDrift = repaired });
            servicePorts += state.Services.Count;
            written += transaction.Written;
        }
        return new SyncResult(anyFull, servicePorts, changed, written) { Families = families.ToImmutable() };
    }

    /// <param name="partial">The ruleset a partial sync brings the table to; null for a full sync.</param>
    private async Task ApplyAsync(NftTransaction transaction, NftRuleset? partial, CancellationToken cancellationToken)
    {
        if (partial is not null && elementWriter is not null)
        {
            try
            {
                if (await elementWriter.TryApplyAsync(transaction, SetsOf(partial), cancellationToken).ConfigureAwait(false))
                {
                    LogAppliedElements(logger, partial.Family, transaction.Count);
                    return;
                }
            }
            catch (NftElementsRefusedException e)
            {
                throw new ProxySyncException(e.Message, e) { PartialSync = true };
            }
            LogNotElementsOnly(logger, partial.Family, transaction.Count);
        }
        var command = Command.WriteWhole(Nft, transaction.Input, "-f", Command.StandardInputArgument) with { Environment = NftEnvironment };
        LogApplying(logger, transaction.Count);
        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ProxySyncException($"nft -f exited {result.ExitCode}: {result.StandardError.Trim()}") { PartialSync = partial is not null };
        }
    }

    /// <summary>The sets and maps of <paramref name="ruleset"/> by name, gathered when first asked for.</summary>
    private static Func<string, NftSet?> SetsOf(NftRuleset ruleset)
    {
        Dictionary<string, NftSet>? sets = null;
        return name => (sets ??= ruleset.Definitions().OfType<NftSet>().DistinctBy(s => s.Name).ToDictionary(s => s.Name, StringComparer.Ordinal)).GetValueOrDefault(name);
    }

    /// <summary>Service ports that are new, gone or different since <paramref name="before"/>, by name.</summary>
    private static int ChangedServices(NftRuleset now, NftRuleset before)
    {
        var (added, removed) = NftRuleset.Changes(now, before);
        return added.Concat(removed).Select(p => p.Name).Distinct().Count();
    }

    [LoggerMessage(EventId = 250, Level = LogLevel.Debug, Message = "Running nft -f with {Commands} commands")]
    private static partial void LogApplying(ILogger logger, int commands);

    [LoggerMessage(EventId = 255, Level = LogLevel.Debug, Message = "Applied a partial sync ({Family}) of {Commands} element commands as one nfnetlink batch, without nft")]
    private static partial void LogAppliedElements(ILogger logger, string family, int commands);

    [LoggerMessage(EventId = 256, Level = LogLevel.Debug, Message = "A partial sync ({Family}) of {Commands} commands goes through nft -f: it changes more than elements, or elements the batch writer does not lay out")]
    private static partial void LogNotElementsOnly(ILogger logger, string family, int commands);

    [LoggerMessage(EventId = 251, Level = LogLevel.Debug, Message = "nft is not installed and there is nothing to program or clean up")]
    private static partial void LogNoNft(ILogger logger);
}
