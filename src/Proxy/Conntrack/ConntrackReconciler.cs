using Microsoft.Extensions.Logging;
using Proxy.Core.Model;
using Proxy.Netlink;
using Proxy.Netlink.Conntrack;
using Proxy.Observability;

namespace Proxy.Conntrack;

/// <summary>
/// Deletes stale UDP conntrack flows after a sync that applied, one family at a time (upstream's CleanStaleEntries,
/// called by every proxier when its sync's endpoint changes touched a UDP service: ConntrackCleanupRequired). The
/// flows are only deleted once the rules that replace them are in, so the next packet of a deleted flow takes them.
/// </summary>
/// <remarks>
/// What "changed" means is kept here rather than taken from the change tracker: per family, the UDP service ports as
/// of the last cleanup that succeeded. A cleanup is owed when a UDP port's serving endpoints differ from those, or a
/// UDP port is gone (kubernetes#141371); the first sync owes one for every UDP port with endpoints, as upstream's
/// first sync sees every endpoint as new. A cleanup that fails (the table cannot be read, a delete is refused, the
/// dump kept being interrupted) leaves that record as it was, so the next sync, periodic ones included, owes it
/// again: the failure is logged and retried, and never fails the sync.
/// </remarks>
public sealed partial class ConntrackReconciler(IConntrackTable table, ProxyMetrics metrics, TimeProvider time, ILogger<ConntrackReconciler> logger)
{
    private readonly Dictionary<IpFamily, Dictionary<ServicePortName, ServicePort>> cleaned = [];

    /// <summary>After a sync that applied <paramref name="states"/>: deletes what they make stale, in each family that owes a cleanup.</summary>
    public void Reconcile(IEnumerable<ProxyState> states)
    {
        foreach (var state in states)
        {
            Reconcile(state);
        }
    }

    private void Reconcile(ProxyState state)
    {
        var udp = state.Services.Where(p => p.Protocol == L4Protocol.Udp).ToDictionary(p => p.Name);
        var before = cleaned.GetValueOrDefault(state.Family) ?? [];
        var deleted = before.Values.Where(p => !udp.ContainsKey(p.Name)).ToList();
        var changed = udp.Values.Where(p => before.TryGetValue(p.Name, out var was) ? !was.ServingEndpoints.Equals(p.ServingEndpoints) : p.ServingEndpoints.Count > 0).ToList();
        if (deleted.Count == 0 && changed.Count == 0)
        {
            return;
        }
        var family = state.Family;
        var label = ProxyMetrics.Label(family);
        var started = time.GetTimestamp();
        try
        {
            var listing = table.List(family.ToAddressFamily(), System.Net.Sockets.ProtocolType.Udp);
            var stale = StaleFlows.Find(listing.Flows, udp.Values, deleted);
            var result = table.Delete(stale);
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            metrics.ConntrackReconcileDuration.WithLabels(label).Observe(seconds);
            metrics.ConntrackDeletedEntries.WithLabels(label).Inc(result.Deleted);
            if (result.FirstError is { } refused)
            {
                LogDeleteFailed(logger, label, result.Deleted, stale.Count, refused.Message);
                return;
            }
            if (!listing.Complete)
            {
                LogListingInterrupted(logger, label, result.Deleted);
                return;
            }
            LogReconciled(logger, label, changed.Count, deleted.Count, listing.Flows.Count, result.Deleted, result.AlreadyGone, seconds * 1000);
            cleaned[family] = udp;
        }
        catch (NetlinkException e)
        {
            LogListFailed(logger, label, e.Message);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Debug, Message = "Reconciled {Family} UDP conntrack flows ({Changed} service ports changed, {Deleted} deleted): {Flows} flows read, {Removed} stale ones deleted, {Gone} already gone, in {ElapsedMs:F1} ms")]
    private static partial void LogReconciled(ILogger logger, string family, int changed, int deleted, int flows, int removed, int gone, double elapsedMs);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Cannot reconcile {Family} conntrack flows; stale UDP flows stay until the next sync retries: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string family, string reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Error, Message = "Deleted {Deleted} of {Stale} stale {Family} UDP conntrack flows; the next sync retries the rest: {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string family, int deleted, int stale, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "The {Family} conntrack table kept changing while it was read; deleted {Deleted} stale UDP flows from a partial read, and the next sync reads it again")]
    private static partial void LogListingInterrupted(ILogger logger, string family, int deleted);
}
