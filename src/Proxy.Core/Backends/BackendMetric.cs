namespace Proxy.Core.Backends;

/// <summary>
/// The metrics that belong to one mode's backend, as upstream registers them per mode (pkg/proxy/metrics
/// RegisterMetrics): a backend lists the ones it has (<see cref="IProxyBackend.Metrics"/>) and says which of its
/// counters a failure moves (<see cref="IProxyBackend.FailureCounters"/>), so that nothing outside it needs to know
/// what its mode counts.
/// </summary>
public enum BackendMetric
{
    /// <summary>kubeproxy_sync_full_proxy_rules_duration_seconds and kubeproxy_sync_partial_proxy_rules_duration_seconds.</summary>
    FullAndPartialSyncDurations,

    /// <summary>kubeproxy_sync_proxy_rules_iptables_restore_failures_total.</summary>
    IptablesRestoreFailures,

    /// <summary>kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total.</summary>
    IptablesPartialRestoreFailures,

    /// <summary>kubeproxy_sync_proxy_rules_iptables_total and kubeproxy_sync_proxy_rules_iptables_last (<see cref="FamilySync"/>'s rule counts).</summary>
    IptablesRules,

    /// <summary>kubeproxy_sync_proxy_rules_nftables_sync_failures_total.</summary>
    NftablesSyncFailures,

    /// <summary>kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total.</summary>
    NftablesCleanupFailures,

    /// <summary>kubeproxy_iptables_ct_state_invalid_dropped_packets_total and kubeproxy_iptables_localhost_nodeports_accepted_packets_total, read from the kernel's nfacct counters.</summary>
    NfacctCounters,
}
