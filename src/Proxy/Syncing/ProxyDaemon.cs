using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Proxy.Core.Backends;
using Proxy.Kubernetes;
using Proxy.Reconciling;
using Proxy.Sources;

namespace Proxy.Syncing;

/// <summary>
/// One sync, end to end: read the source, reconcile for this node, hand the model to the backend.
/// Never syncs a source that is known to be incomplete, so the rules of objects it could not read stay.
/// </summary>
public sealed partial class ProxyDaemon(
    IClusterSource source,
    ChangeTracker tracker,
    IProxyBackend backend,
    string nodeName,
    ReconcileOptions options,
    TimeProvider time,
    ILogger<ProxyDaemon> logger)
{
    private HashSet<string> reportedErrors = new(StringComparer.Ordinal);
    private HashSet<string> reportedWarnings = new(StringComparer.Ordinal);

    /// <summary>Runs one sync; returns false (after logging why) when it did not apply.</summary>
    public async Task<bool> SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var changes = tracker.Take();
        var ok = await SyncSnapshotAsync(full, started, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            tracker.Restore(changes);
        }
        return ok;
    }

    private async Task<bool> SyncSnapshotAsync(bool full, long started, CancellationToken cancellationToken)
    {
        var snapshot = source.Read();
        reportedErrors = ReportNew(snapshot.Errors, reportedErrors, p => LogSourceError(logger, p));
        if (!snapshot.Complete)
        {
            LogSourceIncomplete(logger, source.Description);
            return false;
        }

        var node = NodeFor(snapshot.Objects);
        var result = Reconciler.Reconcile(snapshot.Objects, node, options);
        reportedWarnings = ReportNew(result.Warnings, reportedWarnings, p => LogObjectSkipped(logger, p));
        try
        {
            var applied = await backend.SyncAsync(result.States, full, cancellationToken).ConfigureAwait(false);
            LogSynced(logger, backend.Mode, applied.Full ? "full" : "partial", applied.ServicePorts, applied.ChangedServicePorts, applied.RulesWritten,
                time.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        catch (ProxySyncException e)
        {
            LogSyncFailed(logger, backend.Mode, e.Message);
            return false;
        }
    }

    private NodeContext NodeFor(ClusterObjects objects)
    {
        var node = objects.Nodes.FirstOrDefault(n => n.Metadata?.Name == nodeName);
        return node?.Metadata?.Labels is { } labels
            ? new NodeContext(nodeName, labels.ToImmutableDictionary())
            : NodeContext.Named(nodeName);
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

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Sync of {Mode} rules failed; the previous rules stay in place: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string mode, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogSourceError(ILogger logger, string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Skipped: {Problem}")]
    private static partial void LogObjectSkipped(ILogger logger, string problem);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Not syncing: part of {Source} is not known yet or cannot be read; the current rules stay until it is")]
    private static partial void LogSourceIncomplete(ILogger logger, string source);
}
