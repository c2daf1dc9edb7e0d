using Prometheus;

namespace Proxy.Observability;

/// <summary>
/// upstream kube-proxy's metrics, same names, types, labels and buckets, in a registry of their own (no
/// process-wide state), so existing dashboards and alerts keep working.
/// </summary>
public sealed class ProxyMetrics
{
    /// <summary>upstream's buckets for sync durations: 1 ms doubling 15 times (to ~16 s).</summary>
    private static readonly double[] SyncBuckets = Histogram.ExponentialBuckets(0.001, 2, 15);

    /// <summary>upstream's network programming buckets: 0.25 s steps to 1 s, then 1 s to 59 s, 5 s to 2 min, 30 s to 5 min.</summary>
    private static readonly double[] ProgrammingBuckets =
        [.. Histogram.LinearBuckets(0.25, 0.25, 2), .. Histogram.LinearBuckets(1, 1, 59), .. Histogram.LinearBuckets(60, 5, 12), .. Histogram.LinearBuckets(120, 30, 7)];

    public ProxyMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        SyncDuration = factory.CreateHistogram("kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds", new HistogramConfiguration { Buckets = SyncBuckets });
        FullSyncDuration = factory.CreateHistogram("kubeproxy_sync_full_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for full resyncs", new HistogramConfiguration { Buckets = SyncBuckets });
        PartialSyncDuration = factory.CreateHistogram("kubeproxy_sync_partial_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for partial resyncs", new HistogramConfiguration { Buckets = SyncBuckets });
        LastSync = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced");
        LastQueued = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "The last time a sync of proxy rules was queued");
        NetworkProgramming = factory.CreateHistogram("kubeproxy_network_programming_duration_seconds", "In Cluster Network Programming Latency in seconds", new HistogramConfiguration { Buckets = ProgrammingBuckets });
        EndpointChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_endpoint_changes_pending", "Pending proxy rules Endpoint changes");
        EndpointChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes");
        ServiceChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_service_changes_pending", "Pending proxy rules Service changes");
        ServiceChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes");
        IptablesRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "Cumulative proxy iptables restore failures");
        IptablesPartialRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "Cumulative proxy iptables partial restore failures");
        IptablesRules = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_total", "Total number of iptables rules owned by kube-proxy", "table");
        NftablesSyncFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_nftables_sync_failures_total", "Cumulative proxy nftables sync failures");
        NoLocalEndpoints = factory.CreateGauge("kubeproxy_sync_proxy_rules_no_local_endpoints_total", "Number of services with a Local traffic policy and no endpoints", "traffic_policy");
        HealthzTotal = factory.CreateCounter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", "code");
        LivezTotal = factory.CreateCounter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", "code");

        // Labelled series exist from the start, as upstream registers them, so a scrape never misses a series.
        foreach (var table in new[] { "filter", "nat" })
        {
            IptablesRules.WithLabels(table).Set(0);
        }
        foreach (var policy in new[] { "internal", "external" })
        {
            NoLocalEndpoints.WithLabels(policy).Set(0);
        }
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Histogram SyncDuration { get; }

    public Histogram FullSyncDuration { get; }

    public Histogram PartialSyncDuration { get; }

    public Gauge LastSync { get; }

    public Gauge LastQueued { get; }

    public Histogram NetworkProgramming { get; }

    public Gauge EndpointChangesPending { get; }

    public Counter EndpointChangesTotal { get; }

    public Gauge ServiceChangesPending { get; }

    public Counter ServiceChangesTotal { get; }

    public Counter IptablesRestoreFailures { get; }

    public Counter IptablesPartialRestoreFailures { get; }

    public Gauge IptablesRules { get; }

    public Counter NftablesSyncFailures { get; }

    public Gauge NoLocalEndpoints { get; }

    public Counter HealthzTotal { get; }

    public Counter LivezTotal { get; }
}
