namespace Proxy.Configuration;

/// <summary>
/// The pair of sync periods each mode section of v1alpha1 carries (iptables, nftables, ipvs). Upstream's internal
/// configuration has one top-level pair, taken from the section of the mode in use; <c>ProxyOptions</c> does the same.
/// </summary>
public interface ISyncPeriods
{
    TimeSpan MinSyncPeriod { get; set; }

    TimeSpan SyncPeriod { get; set; }
}
