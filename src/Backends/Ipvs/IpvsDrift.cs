namespace Proxy.Backends.Ipvs;

/// <summary>
/// Whether someone else changed the virtual servers a sync left (`ipvsadm -C`, `ipvsadm -D`, a real server deleted or
/// reweighted): a full sync re-reads the table and writes them back either way; this only tells whether that was a
/// repair (kps_sync_proxy_rules_drift_repairs_total). Connection counts are traffic, not drift. The ipsets and iptables
/// rules are not compared: a full sync reads only the sets' names and rewrites the rules whole, so a flush of either is
/// repaired by it but counted only when the virtual servers drifted too.
/// </summary>
internal static class IpvsDrift
{
    public static bool Found(
        IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> applied,
        IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> kernel) =>
        applied.Any(a => !kernel.TryGetValue(a.Key, out var now) || !now.Select(d => d.Server).ToHashSet().SetEquals(a.Value.Select(d => d.Server)));
}
