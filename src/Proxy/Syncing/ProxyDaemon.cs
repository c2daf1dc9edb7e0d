using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Prometheus;
using Proxy.Conntrack;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;
using Proxy.HealthChecks;
using Proxy.Kubernetes;
using Proxy.Observability;
using Proxy.Reconciling;
using Proxy.Sources;
using Proxy.Validation;

namespace Proxy.Syncing;

/// <summary>
/// One sync, end to end: read the source, reconcile for this node, hand the model to the backend, and record
/// it in metrics and health. Never syncs a source that is known to be incomplete, so the rules of objects it
/// could not read stay. <paramref name="leftovers"/> are the backends of the other modes whose rules a mode
/// switch may have left (see <see cref="BackendFactory.CreateLeftovers"/>). With <paramref name="dryRun"/> the
/// backends only print what they would do, and the log says so. <paramref name="conntrack"/>, when given, deletes the
/// UDP flows each applied sync made stale.
/// </summary>
/// <remarks>
/// Per-family metrics. Upstream runs one proxier per IP family, each syncing on its own and recording its own
/// series; here one sync programs every family in one backend call (one <see cref="ProxyState"/> each, one after the
/// other, as upstream's metaproxier did), so each value goes to the family it belongs to:
/// <list type="bullet">
/// <item>a sync that applied observes its duration once per family it programmed (<see cref="SyncResult.Families"/>),
/// in the full or partial histogram as that family's sync was, and sets that family's last-sync time, rule counts and
/// services without local endpoints. The duration is the whole sync's: the read and the reconcile are done once for all
/// families, so each family waited for all of it, as a change of that family does;</item>
/// <item>a failure moves the counters the backend names for it (<see cref="IProxyBackend.FailureCounters"/>) in the
/// family whose sync failed (<see cref="ProxySyncException.Family"/>); the families after it were not attempted, so
/// they count nothing. A failure outside every family's sync (IPVS mode's node-wide sysctls) stops all of them alike,
/// and counts for each;</item>
/// <item>network programming latency goes to the family of the EndpointSlice that carried the trigger time (its
/// addressType), as upstream's per-family change trackers see only their family's slices;</item>
/// <item>a queued sync will sync every family, so it sets the queued time of every family the proxy programs.</item>
/// </list>
/// Everything one sync records is published at once (<see cref="ProxyMetrics.Publish"/>): a scrape never sees half of it.
/// </remarks>
public sealed partial class ProxyDaemon(
    IClusterSource source,
    ChangeTracker tracker,
    IProxyBackend backend,
    NodeSettings node,
    ReconcileOptions options,
    ProxyMetrics metrics,
    ProxierHealth health,
    TimeProvider time,
    ILogger<ProxyDaemon> logger,
    IReadOnlyList<IProxyBackend>? leftovers = null,
    IServiceHealthServers? healthChecks = null,
    bool dryRun = false,
    ConntrackReconciler? conntrack = null)
{
    private const string ToBeDeletedTaint = "ToBeDeletedByClusterAutoscaler";

    /// <summary>The families a sync may program; until the first one says which it does, each is owed a sync.</summary>
    public static readonly IReadOnlyList<IpFamily> Families = [IpFamily.IPv4, IpFamily.IPv6];

    private readonly IncrementalReconciler reconciler = new();
    private readonly Lock queuedGate = new();
    private IReadOnlyList<IpFamily>? programmedFamilies;
    private DateTimeOffset? lastQueued;
    private HashSet<string> reportedErrors = new(StringComparer.Ordinal);
    private HashSet<string> reportedWarnings = new(StringComparer.Ordinal);
    private long servicesCounted;
    private long endpointsCounted;
    private bool leftoversCleaned;

    /// <summary>Runs one sync; returns false (after logging why) when it did not apply.</summary>
    public async Task<bool> SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        // Read first, then take the changes: the manifest source finds its changes while it is read, and they belong to
        // this sync. A live change that lands in between is taken without being in this snapshot; its event has asked
        // for another sync already, so only its latency is observed a moment early.
        var snapshot = source.Read();
        var changes = tracker.Take();
        metrics.Publish(RecordChangeCounts);
        var outcome = await SyncSnapshotAsync(snapshot, full, cancellationToken).ConfigureAwait(false);
        if (outcome is not { } synced)
        {
            tracker.Restore(changes);
            metrics.Publish(RecordChangeCounts);
            return false;
        }
        var (applied, result) = synced;
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var now = time.GetUtcNow();
        IReadOnlyList<IpFamily> programmed = [.. applied.Families.Select(f => f.Family)];
        metrics.Publish(() =>
        {
            foreach (var done in applied.Families)
            {
                RecordSynced(done, result.For(done.Family), seconds, now);
            }
            RecordProgrammed(programmed);
            // A trigger of a family the node does not program is dropped with it: upstream has no proxier to observe it.
            foreach (var ((family, _), triggers) in changes.TriggerTimes.Where(t => programmed.Contains(t.Key.Family)))
            {
                foreach (var trigger in triggers)
                {
                    metrics.NetworkProgramming.WithLabels(ProxyMetrics.Label(family)).Observe(Math.Max(0, (now - trigger).TotalSeconds));
                }
            }
            RecordChangeCounts();
        });
        foreach (var done in applied.Families.Where(f => f.RepairedDrift))
        {
            LogDriftRepaired(logger, backend.Mode, done.Family);
        }
        foreach (var family in Families)
        {
            if (programmed.Contains(family))
            {
                health.Updated(family);
            }
            else
            {
                health.Forget(family);
            }
        }
        healthChecks?.Update(result.HealthChecks, result.States.ToDictionary(s => s.Family, s => s.Node.NodePorts));
        // Once the new rules are in, so that the next packet of a deleted flow takes them; never fails the sync.
        conntrack?.Reconcile(result.States.Where(s => programmed.Contains(s.Family)));
        var kind = applied.Full ? "full" : "partial";
        if (dryRun)
        {
            LogWouldSync(logger, backend.Mode, kind, applied.ServicePorts, applied.ChangedServicePorts, applied.RulesWritten, seconds * 1000);
        }
        else
        {
            LogSynced(logger, backend.Mode, kind, applied.ServicePorts, applied.ChangedServicePorts, applied.RulesWritten, seconds * 1000);
        }
        await CleanLeftoversOnceAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Before a periodic sync: whether the backend finds that someone removed what it applied, so that this sync is full
    /// and repairs it. A dry run applied nothing for the kernel to lose: never. A backend that cannot tell says yes.
    /// </summary>
    public async Task<bool> DriftedAsync(CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            return false;
        }
        bool drifted;
        try
        {
            drifted = await backend.DriftedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ProxySyncException or CommandNotFoundException)
        {
            LogDriftUnknown(logger, backend.Mode, e.Message);
            return true;
        }
        if (drifted)
        {
            LogDriftFound(logger, backend.Mode);
        }
        return drifted;
    }

    /// <summary>
    /// A change queued a sync (or the proxy just started, owing its first one): upstream's QueuedUpdate, and the queued
    /// time of every family the proxy programs. Until the first sync that applied says which those are, every family is
    /// owed the sync, and the time is kept for them. Called from the sources' threads.
    /// </summary>
    public void Queued()
    {
        var now = time.GetUtcNow();
        IReadOnlyList<IpFamily> owed = Families;
        metrics.Publish(() =>
        {
            lock (queuedGate)
            {
                lastQueued = now;
                owed = programmedFamilies ?? Families;
                foreach (var family in programmedFamilies ?? [])
                {
                    metrics.LastQueued.WithLabels(ProxyMetrics.Label(family)).SetToTimeUtc(now);
                }
            }
        });
        foreach (var family in owed)
        {
            health.QueuedUpdate(family);
        }
    }

    /// <returns>What the backend did and the model it was given, or null when the sync did not apply.</returns>
    private async Task<(SyncResult Applied, ReconcileResult Result)?> SyncSnapshotAsync(SourceSnapshot snapshot, bool full, CancellationToken cancellationToken)
    {
        // Problems quote object text: one log line each, whatever the text holds.
        reportedErrors = ReportNew(snapshot.Errors, reportedErrors, p => LogSourceError(logger, MessageText.Line(p)));
        if (!snapshot.Complete)
        {
            LogSourceIncomplete(logger, source.Description);
            return null;
        }

        var self = NodeFor(snapshot.Objects);
        var result = reconciler.Reconcile(snapshot.Objects, self.Context, options);
        reportedWarnings = ReportNew(
            snapshot.Warnings.Concat(result.Warnings).Concat(UnrenderedFeatures.Warnings(result.States, backend.Renders, backend.Mode)),
            reportedWarnings,
            p => LogObjectProblem(logger, MessageText.Line(p)));
        health.SetNodeEligible(self.Eligible);
        try
        {
            return (await backend.SyncAsync(result.States, full, cancellationToken).ConfigureAwait(false), result);
        }
        catch (ProxySyncException e)
        {
            IReadOnlyList<IpFamily> failed = e.Family is { } family ? [family] : [.. result.States.Select(s => s.Family)];
            var counters = backend.FailureCounters(e);
            metrics.Publish(() =>
            {
                foreach (var counter in counters)
                {
                    foreach (var f in failed)
                    {
                        metrics.Count(counter, f);
                    }
                }
            });
            LogSyncFailed(logger, backend.Mode, e.Message);
            return null;
        }
    }

    private void RecordSynced(FamilySync done, ProxyState state, double seconds, DateTimeOffset now)
    {
        var family = ProxyMetrics.Label(done.Family);
        metrics.AddFamily(done.Family);
        metrics.SyncDuration.WithLabels(family).Observe(seconds);
        (done.Full ? metrics.FullSyncDuration : metrics.PartialSyncDuration)?.WithLabels(family).Observe(seconds);
        metrics.LastSync.WithLabels(family).SetToTimeUtc(now);
        foreach (var (table, count) in done.RulesByTable)
        {
            metrics.IptablesRules?.WithLabels(table, family).Set(count);
        }
        foreach (var (table, count) in done.RulesWrittenByTable)
        {
            metrics.IptablesRulesLast?.WithLabels(table, family).Set(count);
        }
        metrics.RefusedServicePorts.WithLabels(family).Set(done.Refused.Count);
        // The series exists from the family's first sync (at 0), so that an alert on its increase sees the first repair.
        var repairs = metrics.DriftRepairs.WithLabels(family);
        if (done.RepairedDrift)
        {
            repairs.Inc();
        }
        var (internalPolicy, externalPolicy) = NoLocalEndpoints.Count(state);
        metrics.NoLocalEndpoints.WithLabels(ProxyMetrics.TrafficPolicies[0], family).Set(internalPolicy);
        metrics.NoLocalEndpoints.WithLabels(ProxyMetrics.TrafficPolicies[1], family).Set(externalPolicy);
    }

    /// <summary>
    /// Remembers which families the proxy programs, for <see cref="Queued"/>. A family programmed for the first time
    /// gets the queued time kept so far; one no longer programmed loses its queued series, which would otherwise age
    /// with no sync to follow it.
    /// </summary>
    private void RecordProgrammed(IReadOnlyList<IpFamily> families)
    {
        lock (queuedGate)
        {
            foreach (var gone in (programmedFamilies ?? []).Except(families))
            {
                metrics.LastQueued.RemoveLabelled(ProxyMetrics.Label(gone));
            }
            foreach (var added in families.Except(programmedFamilies ?? []))
            {
                if (lastQueued is { } queued)
                {
                    metrics.LastQueued.WithLabels(ProxyMetrics.Label(added)).SetToTimeUtc(queued);
                }
            }
            programmedFamilies = families;
        }
    }

    /// <summary>
    /// After the first sync that applied, the other modes' leftovers go (upstream's platformCleanup, there run before
    /// the proxier starts): here they go once the new mode's rules are in, so a mode switch never leaves the node
    /// without service rules. Best effort, as upstream: a failure is logged and does not fail the sync.
    /// </summary>
    private async Task CleanLeftoversOnceAsync(CancellationToken cancellationToken)
    {
        if (leftoversCleaned)
        {
            return;
        }
        leftoversCleaned = true;
        foreach (var other in leftovers ?? [])
        {
            try
            {
                await other.CleanupAsync(cancellationToken).ConfigureAwait(false);
                if (dryRun)
                {
                    LogWouldCleanLeftovers(logger, other.Mode);
                }
                else
                {
                    LogLeftoversCleaned(logger, other.Mode, backend.Mode);
                }
            }
            catch (Exception e) when (e is ProxySyncException or CommandNotFoundException)
            {
                LogLeftoversNotCleaned(logger, other.Mode, e.Message);
            }
        }
    }

    private void RecordChangeCounts()
    {
        metrics.ServiceChangesPending.Set(tracker.ServiceChangesPending);
        metrics.EndpointChangesPending.Set(tracker.EndpointChangesPending);
        var services = tracker.ServiceChangesTotal;
        var endpoints = tracker.EndpointChangesTotal;
        metrics.ServiceChangesTotal.Inc(services - servicesCounted);
        metrics.EndpointChangesTotal.Inc(endpoints - endpointsCounted);
        (servicesCounted, endpointsCounted) = (services, endpoints);
    }

    /// <summary>What the reconciler needs of this node, and whether load balancers should still send it traffic (upstream's nodeEligible).</summary>
    private (NodeContext Context, bool Eligible) NodeFor(ClusterObjects objects)
    {
        var found = objects.Nodes.FirstOrDefault(n => n.Metadata?.Name == node.NodeName);
        var context = NodeObject.Context(node, found);
        // As upstream's NodeEligible: no Node object (not created yet, or not this node's name) is not eligible either.
        var eligible = found is not null && found.Metadata?.DeletionTimestamp is null && found.Spec?.Taints?.Any(t => t.Key == ToBeDeletedTaint) != true;
        return (context, eligible);
    }

    /// <summary>Logs each problem once while it lasts, instead of at every periodic sync; returns the ones current now.</summary>
    private static HashSet<string> ReportNew(IEnumerable<string> problems, HashSet<string> reported, Action<string> log)
    {
        var current = new HashSet<string>(problems, StringComparer.Ordinal);
        foreach (var problem in current.Where(p => !reported.Contains(p)))
        {
            log(problem);
        }
        return current;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Synced {Mode} rules ({Kind}): {ServicePorts} service ports, {Changed} changed, {Rules} rules written in {ElapsedMs:F1} ms")]
    private static partial void LogSynced(ILogger logger, string mode, string kind, int servicePorts, int changed, int rules, double elapsedMs);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Dry run: would sync {Mode} rules ({Kind}): {ServicePorts} service ports, {Changed} changed, {Rules} rules to write, planned in {ElapsedMs:F1} ms; nothing was changed")]
    private static partial void LogWouldSync(ILogger logger, string mode, string kind, int servicePorts, int changed, int rules, double elapsedMs);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Dry run: would remove whatever {Other} mode left behind (printed above); nothing was changed")]
    private static partial void LogWouldCleanLeftovers(ILogger logger, string other);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Our {Mode} rules for {Family} had been removed or changed by someone else; this sync wrote them back")]
    private static partial void LogDriftRepaired(ILogger logger, string mode, IpFamily family);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Some of our {Mode} rules are gone from the kernel; this periodic sync is a full one")]
    private static partial void LogDriftFound(ILogger logger, string mode);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Could not check our {Mode} rules in the kernel, so this periodic sync is a full one: {Reason}")]
    private static partial void LogDriftUnknown(ILogger logger, string mode, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Sync of {Mode} rules failed; the previous rules stay in place: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string mode, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogSourceError(ILogger logger, string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogObjectProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Removed whatever {Other} mode left behind; {Mode} mode's rules are in place")]
    private static partial void LogLeftoversCleaned(ILogger logger, string other, string mode);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Could not remove what {Other} mode left behind: {Reason}")]
    private static partial void LogLeftoversNotCleaned(ILogger logger, string other, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Not syncing: part of {Source} is not known yet or cannot be read; the current rules stay until it is")]
    private static partial void LogSourceIncomplete(ILogger logger, string source);
}
