using Prometheus;
using Proxy.Core.Model;

namespace Proxy.Observability;

/// <summary>
/// upstream kube-proxy's metrics, same names, types, labels and buckets, in a registry of their own (no
/// process-wide state), so existing dashboards and alerts keep working.
/// </summary>
/// <remarks>
/// Labels are upstream's since 1.33 (kubernetes/kubernetes#129173, pkg/proxy/metrics/metrics.go): every value one of
/// its per-family proxiers records carries <c>ip_family</c> ("IPv4"/"IPv6", v1.IPFamily's spelling). The change
/// counters, recorded by the shared change trackers, and the healthz/livez counters, recorded by the shared health
/// server, carry none.
/// </remarks>
public sealed class ProxyMetrics
{
    public const string IpFamilyLabel = "ip_family";

    public const string TableLabel = "table";

    public const string TrafficPolicyLabel = "traffic_policy";

    public const string CodeLabel = "code";

    /// <summary>upstream's traffic_policy values of kubeproxy_sync_proxy_rules_no_local_endpoints_total.</summary>
    public static readonly IReadOnlyList<string> TrafficPolicies = ["internal", "external"];

    /// <summary>upstream's buckets for sync durations: 1 ms doubling 15 times (to ~16 s).</summary>
    private static readonly double[] SyncBuckets = Histogram.ExponentialBuckets(0.001, 2, 15);

    /// <summary>upstream's network programming buckets: 0.25 s steps to 1 s, then 1 s to 59 s, 5 s to 2 min, 30 s to 5 min.</summary>
    private static readonly double[] ProgrammingBuckets =
        [.. Histogram.LinearBuckets(0.25, 0.25, 2), .. Histogram.LinearBuckets(1, 1, 59), .. Histogram.LinearBuckets(60, 5, 12), .. Histogram.LinearBuckets(120, 30, 7)];

    public ProxyMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        SyncDuration = factory.CreateHistogram("kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds", PerFamily(SyncBuckets));
        FullSyncDuration = factory.CreateHistogram("kubeproxy_sync_full_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for full resyncs", PerFamily(SyncBuckets));
        PartialSyncDuration = factory.CreateHistogram("kubeproxy_sync_partial_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for partial resyncs", PerFamily(SyncBuckets));
        LastSync = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced", IpFamilyLabel);
        LastQueued = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "The last time a sync of proxy rules was queued", IpFamilyLabel);
        NetworkProgramming = factory.CreateHistogram("kubeproxy_network_programming_duration_seconds", "In Cluster Network Programming Latency in seconds", PerFamily(ProgrammingBuckets));
        EndpointChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_endpoint_changes_pending", "Pending proxy rules Endpoint changes");
        EndpointChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes");
        ServiceChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_service_changes_pending", "Pending proxy rules Service changes");
        ServiceChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes");
        IptablesRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "Cumulative proxy iptables restore failures", IpFamilyLabel);
        IptablesPartialRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "Cumulative proxy iptables partial restore failures", IpFamilyLabel);
        IptablesRules = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_total", "Total number of iptables rules owned by kube-proxy", TableLabel, IpFamilyLabel);
        NftablesSyncFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_nftables_sync_failures_total", "Cumulative proxy nftables sync failures", IpFamilyLabel);
        NoLocalEndpoints = factory.CreateGauge("kubeproxy_sync_proxy_rules_no_local_endpoints_total", "Number of services with a Local traffic policy and no endpoints", TrafficPolicyLabel, IpFamilyLabel);
        HealthzTotal = factory.CreateCounter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", CodeLabel);
        LivezTotal = factory.CreateCounter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", CodeLabel);
        // Recorded by the conntrack reconciler (Conntrack/ConntrackReconciler.cs) each time it runs for a family.
        ConntrackReconcileDuration = factory.CreateHistogram("kubeproxy_conntrack_reconciler_sync_duration_seconds", "ReconcileConntrackFlowsLatency latency in seconds", PerFamily(SyncBuckets));
        ConntrackDeletedEntries = factory.CreateCounter("kubeproxy_conntrack_reconciler_deleted_entries_total", "Cumulative conntrack flows deleted by conntrack reconciler", IpFamilyLabel);
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

    public Histogram ConntrackReconcileDuration { get; }

    public Counter ConntrackDeletedEntries { get; }

    /// <summary>The ip_family label value of <paramref name="family"/>: spelled as upstream's v1.IPFamily, whatever the enum is called.</summary>
    public static string Label(IpFamily family) => family == IpFamily.IPv4 ? "IPv4" : "IPv6";

    /// <summary>
    /// Creates <paramref name="family"/>'s series of the per-family counters, histograms and gauges at zero, once the
    /// proxy programs that family: a failure counter then exists before the first failure (so <c>increase()</c> sees it
    /// start), as the unlabelled ones did, and a family the node does not program has no series at all, as upstream
    /// runs no proxier for it. Idempotent.
    /// </summary>
    public void AddFamily(IpFamily family)
    {
        var label = Label(family);
        foreach (var histogram in new[] { SyncDuration, FullSyncDuration, PartialSyncDuration, NetworkProgramming, ConntrackReconcileDuration })
        {
            histogram.WithLabels(label);
        }
        foreach (var counter in new[] { IptablesRestoreFailures, IptablesPartialRestoreFailures, NftablesSyncFailures, ConntrackDeletedEntries })
        {
            counter.WithLabels(label);
        }
        foreach (var policy in TrafficPolicies)
        {
            NoLocalEndpoints.WithLabels(policy, label);
        }
    }

    private static HistogramConfiguration PerFamily(double[] buckets) => new() { Buckets = buckets, LabelNames = [IpFamilyLabel] };
}
