using Prometheus;
using Proxy.Core.Backends;
using Proxy.Core.Host;
using Proxy.Core.Model;

namespace Proxy.Observability;

/// <summary>
/// upstream kube-proxy's metrics, same names, types, labels and buckets, in a registry of their own (no process-wide
/// state), registered as upstream's RegisterMetrics(mode) does: the common ones always, a mode's own only with the
/// backend that lists them (<see cref="IProxyBackend.Metrics"/>). Also the process and runtime metrics and a
/// kubernetes_build_info, which upstream's registry carries too.
/// </summary>
/// <remarks>
/// Labels are upstream's since 1.33 (kubernetes/kubernetes#129173): every value one of its per-family proxiers records
/// carries <c>ip_family</c> ("IPv4"/"IPv6", v1.IPFamily's spelling); the change counters, recorded by the shared change
/// trackers, and the healthz/livez counters, recorded by the shared health server, carry none.
/// Consistency: whatever is changed inside <see cref="Publish"/> is seen by a scrape (<see cref="ExportAsync"/>) all
/// together or not at all, so one sync's values always agree with each other.
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
    public static readonly IReadOnlyList<double> SyncBuckets = Histogram.ExponentialBuckets(0.001, 2, 15);

    /// <summary>
    /// upstream's network programming buckets: metrics.MergeBuckets starts from a 0 bucket, then 0.25 s steps to 0.5 s,
    /// 1 s steps to 59 s, 5 s steps to 115 s and 30 s steps to 5 min.
    /// </summary>
    public static readonly IReadOnlyList<double> ProgrammingBuckets =
        [0, .. Histogram.LinearBuckets(0.25, 0.25, 2), .. Histogram.LinearBuckets(1, 1, 59), .. Histogram.LinearBuckets(60, 5, 12), .. Histogram.LinearBuckets(120, 30, 7)];

    /// <summary>Held by a scrape for its whole collection and by every <see cref="Publish"/>; a SemaphoreSlim, because the collection awaits.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <param name="nfacct">Where the nfacct-based metrics of iptables mode are read at each scrape (none: they have no value).</param>
    public ProxyMetrics(IEnumerable<BackendMetric> backendMetrics, BuildInfo build, INfacct? nfacct = null)
    {
        Registered = backendMetrics.ToHashSet();
        var factory = Metrics.WithCustomRegistry(Registry);
        SyncDuration = factory.CreateHistogram("kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds", PerFamily(SyncBuckets));
        LastSync = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced", IpFamilyLabel);
        LastQueued = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "The last time a sync of proxy rules was queued", IpFamilyLabel);
        NetworkProgramming = factory.CreateHistogram("kubeproxy_network_programming_duration_seconds", "In Cluster Network Programming Latency in seconds", PerFamily(ProgrammingBuckets));
        EndpointChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_endpoint_changes_pending", "Pending proxy rules Endpoint changes");
        EndpointChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes");
        ServiceChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_service_changes_pending", "Pending proxy rules Service changes");
        ServiceChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes");
        NoLocalEndpoints = factory.CreateGauge("kubeproxy_sync_proxy_rules_no_local_endpoints_total", "Number of services with a Local traffic policy and no endpoints", TrafficPolicyLabel, IpFamilyLabel);
        HealthzTotal = factory.CreateCounter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", CodeLabel);
        LivezTotal = factory.CreateCounter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", CodeLabel);

        if (Registered.Contains(BackendMetric.FullAndPartialSyncDurations))
        {
            FullSyncDuration = factory.CreateHistogram("kubeproxy_sync_full_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for full resyncs", PerFamily(SyncBuckets));
            PartialSyncDuration = factory.CreateHistogram("kubeproxy_sync_partial_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for partial resyncs", PerFamily(SyncBuckets));
        }
        if (Registered.Contains(BackendMetric.IptablesRestoreFailures))
        {
            IptablesRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "Cumulative proxy iptables restore failures", IpFamilyLabel);
        }
        if (Registered.Contains(BackendMetric.IptablesPartialRestoreFailures))
        {
            IptablesPartialRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "Cumulative proxy iptables partial restore failures", IpFamilyLabel);
        }
        if (Registered.Contains(BackendMetric.IptablesRules))
        {
            IptablesRules = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_total", "Total number of iptables rules owned by kube-proxy", TableLabel, IpFamilyLabel);
            IptablesRulesLast = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_last", "Number of iptables rules written by kube-proxy in last sync", TableLabel, IpFamilyLabel);
        }
        if (Registered.Contains(BackendMetric.NftablesSyncFailures))
        {
            NftablesSyncFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_nftables_sync_failures_total", "Cumulative proxy nftables sync failures", IpFamilyLabel);
        }
        if (Registered.Contains(BackendMetric.NftablesCleanupFailures))
        {
            NftablesCleanupFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total", "Cumulative proxy nftables cleanup failures", IpFamilyLabel);
        }

        if (Registered.Contains(BackendMetric.NfacctCounters) && nfacct is not null)
        {
            RegisterNfacct(factory, nfacct);
        }

        build.Register(factory);
        ProcessStats.Register(Registry);

        // This proxy's own, in every mode, under a prefix of its own so that upstream's kubeproxy_* set stays exactly upstream's.
        RefusedServicePorts = factory.CreateGauge("kps_sync_proxy_rules_refused_service_ports", "Service ports left out of the rules because the kernel tool refuses them", IpFamilyLabel);
        DriftRepairs = factory.CreateCounter("kps_sync_proxy_rules_drift_repairs_total", "Cumulative syncs that found applied rules removed or changed by someone else and wrote them back", IpFamilyLabel);

        // Recorded by the conntrack reconciler (Conntrack/ConntrackReconciler.cs) each time it runs for a family.
        ConntrackReconcileDuration = factory.CreateHistogram("kubeproxy_conntrack_reconciler_sync_duration_seconds", "ReconcileConntrackFlowsLatency latency in seconds", PerFamily(SyncBuckets));
        ConntrackDeletedEntries = factory.CreateCounter("kubeproxy_conntrack_reconciler_deleted_entries_total", "Cumulative conntrack flows deleted by conntrack reconciler", IpFamilyLabel);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    /// <summary>The backend metrics this registry has (the mode's, as upstream registers them).</summary>
    public IReadOnlySet<BackendMetric> Registered { get; }

    public Histogram SyncDuration { get; }

    public Histogram? FullSyncDuration { get; }

    public Histogram? PartialSyncDuration { get; }

    public Gauge LastSync { get; }

    public Gauge LastQueued { get; }

    public Histogram NetworkProgramming { get; }

    public Gauge EndpointChangesPending { get; }

    public Counter EndpointChangesTotal { get; }

    public Gauge ServiceChangesPending { get; }

    public Counter ServiceChangesTotal { get; }

    public Counter? IptablesRestoreFailures { get; }

    public Counter? IptablesPartialRestoreFailures { get; }

    public Gauge? IptablesRules { get; }

    public Gauge? IptablesRulesLast { get; }

    public Counter? NftablesSyncFailures { get; }

    public Counter? NftablesCleanupFailures { get; }

    public Gauge NoLocalEndpoints { get; }

    public Counter HealthzTotal { get; }

    public Counter LivezTotal { get; }

    public Gauge RefusedServicePorts { get; }

    public Counter DriftRepairs { get; }

    public Histogram ConntrackReconcileDuration { get; }

    public Counter ConntrackDeletedEntries { get; }

    /// <summary>The ip_family label value of <paramref name="family"/>: spelled as upstream's v1.IPFamily, whatever the enum is called.</summary>
    public static string Label(IpFamily family) => family == IpFamily.IPv4 ? "IPv4" : "IPv6";

    /// <summary>Runs <paramref name="update"/> so that a scrape sees all of its changes or none of them.</summary>
    public void Publish(Action update)
    {
        gate.Wait();
        try
        {
            update();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Writes the text exposition of everything, between publications.</summary>
    public async Task ExportAsync(Stream output, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Registry.CollectAndExportAsTextAsync(output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Moves a counter of the backend's by one in <paramref name="family"/> (a counter this mode does not register is not counted, as upstream).</summary>
    public void Count(BackendMetric counter, IpFamily family)
    {
        var metric = counter switch
        {
            BackendMetric.IptablesRestoreFailures => IptablesRestoreFailures,
            BackendMetric.IptablesPartialRestoreFailures => IptablesPartialRestoreFailures,
            BackendMetric.NftablesSyncFailures => NftablesSyncFailures,
            BackendMetric.NftablesCleanupFailures => NftablesCleanupFailures,
            _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, "not a counter"),
        };
        metric?.WithLabels(Label(family)).Inc();
    }

    /// <summary>
    /// Creates <paramref name="family"/>'s series of the per-family counters, histograms and gauges at zero, once the
    /// proxy programs that family: a failure counter then exists before the first failure (so <c>increase()</c> sees it
    /// start), and a family the node does not program has no series at all, as upstream runs no proxier for it.
    /// Idempotent.
    /// </summary>
    public void AddFamily(IpFamily family)
    {
        var label = Label(family);
        foreach (var histogram in new[] { SyncDuration, FullSyncDuration, PartialSyncDuration, NetworkProgramming, ConntrackReconcileDuration })
        {
            histogram?.WithLabels(label);
        }
        foreach (var counter in new[] { IptablesRestoreFailures, IptablesPartialRestoreFailures, NftablesSyncFailures, NftablesCleanupFailures, ConntrackDeletedEntries })
        {
            counter?.WithLabels(label);
        }
        foreach (var policy in TrafficPolicies)
        {
            NoLocalEndpoints.WithLabels(policy, label);
        }
    }

    /// <summary>
    /// upstream's two custom collectors over nfacct counters: the kernel counter's packets, read at each scrape. While
    /// a counter cannot be read, upstream's collector sends nothing and the family is not shown at all; here the metric
    /// is made only once its counter has been read.
    /// </summary>
    private void RegisterNfacct(IMetricFactory factory, INfacct nfacct)
    {
        var counters = new (string Metric, string Help, string Name)[]
        {
            ("kubeproxy_iptables_ct_state_invalid_dropped_packets_total", "packets dropped by iptables to work around conntrack problems", Backends.Iptables.IptablesOptions.CtStateInvalidCounter),
            ("kubeproxy_iptables_localhost_nodeports_accepted_packets_total", "Number of packets accepted on nodeports of loopback interface", Backends.Iptables.IptablesOptions.LocalhostNodePortsCounter),
        };
        var made = new Counter?[counters.Length];
        Registry.AddBeforeCollectCallback(() =>
        {
            for (var i = 0; i < counters.Length; i++)
            {
                if (nfacct.Packets(counters[i].Name) is { } packets)
                {
                    (made[i] ??= factory.CreateCounter(counters[i].Metric, counters[i].Help)).IncTo(packets);
                }
            }
        });
    }

    private static HistogramConfiguration PerFamily(IReadOnlyList<double> buckets) => new() { Buckets = [.. buckets], LabelNames = [IpFamilyLabel] };
}
