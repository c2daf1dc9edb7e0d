using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Proxy.Cli;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;
using Proxy.Kubernetes;
using Proxy.Observability;
using Proxy.Reconciling;
using Proxy.Sources;
using Proxy.Syncing;

namespace Proxy.Tests.Observability;

/// <summary>
/// The metrics of each mode against upstream's metric reference (testdata/kube-proxy-v1.36-metrics.tsv): the same
/// names, types, label names and buckets, and in each mode exactly the ones upstream registers there.
/// </summary>
public sealed class MetricsReferenceTests
{
    public static TheoryData<string> Modes => [.. BackendFactory.Modes];

    /// <summary>
    /// A daemon with the mode's real backend metrics runs one sync of both families (its backend a stand-in that reports
    /// rule counts), is queued again and answers one health check; then every series upstream has in that mode is
    /// there, with upstream's type, labels and buckets, and nothing else under upstream's prefixes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EachModeHasUpstreamsMetricsWithTheirTypesLabelsAndBuckets(string mode)
    {
        var options = Flags.Parse(["--proxy-mode", mode]).Options!;
        using var loggers = new NullLoggerFactory();
        var real = BackendFactory.Create(options, Mock.Of<ICommandRunner>(), loggers);
        var metrics = new ProxyMetrics(real.Metrics, BuildInfo.Current());
        var text = await ScrapeAfterOneSyncAsync(metrics, real.Metrics);

        var expected = Exposition.References.Where(r => r.Modes.Contains(mode) && r.Note is not "nfacct").ToList();
        Assert.Equal(
            expected.Select(r => $"{r.Name} {r.Type}").Order(StringComparer.Ordinal),
            Exposition.KubeTypes(text));
        foreach (var reference in expected)
        {
            var samples = Exposition.LabelNames(text, reference.Name);
            Assert.True(samples.Count > 0, $"{reference.Name} has no sample to show its labels");
            Assert.All(samples, names => Assert.True(names.SequenceEqual(reference.Labels),
                $"{reference.Name} has labels [{string.Join(", ", names)}], upstream [{string.Join(", ", reference.Labels)}]"));
            if (reference.Type == "histogram")
            {
                Assert.Equal([.. reference.Buckets, double.PositiveInfinity], Exposition.Buckets(text, reference.Name));
            }
        }
        // Not one of issue 16's or the nfacct ones slipped in under another name, and the process and runtime metrics are there.
        Assert.Contains("# TYPE process_cpu_seconds_total counter", text);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge", text);
        Assert.Contains("# TYPE dotnet_total_memory_bytes gauge", text);
    }

    /// <summary>docs/metrics.md, which operators read, covers every metric of the reference, the missing ones included.</summary>
    [Fact]
    public void TheMetricsDocumentNamesEveryReferenceMetric()
    {
        var document = File.ReadAllText(RepositoryPaths.File("docs", "metrics.md"));

        Assert.All(Exposition.References, r => Assert.Contains($"`{r.Name}", document));
    }

    [Fact]
    public async Task BuildInfoIsOneWithOurVersion()
    {
        var build = new BuildInfo("v1.2.3", "abc", ".NET 10.0.0", "linux/amd64");
        var text = await ScrapeAfterOneSyncAsync(new ProxyMetrics([], build), new HashSet<BackendMetric>());

        Assert.Contains("kubernetes_build_info{build_date=\"\",compiler=\"dotnet\",git_commit=\"abc\",git_tree_state=\"\",git_version=\"v1.2.3\",go_version=\".NET 10.0.0\",major=\"1\",minor=\"2\",platform=\"linux/amd64\"} 1", text);
    }

    /// <summary>upstream's nfacct collectors: the kernel counter's packets at each scrape, and no sample while it cannot be read.</summary>
    [Fact]
    public async Task TheNfacctMetricsReadTheKernelsCountersAtEachScrape()
    {
        var kernel = new Counters { ["ct_state_invalid_dropped_pkts"] = 7 };
        var metrics = new ProxyMetrics([BackendMetric.NfacctCounters], BuildInfo.Current(), kernel);

        var first = await ScrapeAsync(metrics);
        kernel["ct_state_invalid_dropped_pkts"] = 12;
        var second = await ScrapeAsync(metrics);

        Assert.Contains("\nkubeproxy_iptables_ct_state_invalid_dropped_packets_total 7\n", first);
        Assert.Contains("\nkubeproxy_iptables_ct_state_invalid_dropped_packets_total 12\n", second);
        Assert.DoesNotContain("kubeproxy_iptables_localhost_nodeports_accepted_packets_total", second);
    }

    private static async Task<string> ScrapeAsync(ProxyMetrics metrics)
    {
        using var buffer = new MemoryStream();
        await metrics.ExportAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed class Counters : Dictionary<string, ulong>, Core.Host.INfacct
    {
        public bool Ensure(string name) => TryAdd(name, 0) || true;

        public ulong? Packets(string name) => TryGetValue(name, out var packets) ? packets : null;
    }

    private static async Task<string> ScrapeAfterOneSyncAsync(ProxyMetrics metrics, IReadOnlySet<BackendMetric> backendMetrics)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var source = new Mock<IClusterSource>();
        source.Setup(s => s.Read()).Returns(new SourceSnapshot(ClusterObjects.Empty, [], Complete: true));
        var backend = new Mock<IProxyBackend>();
        backend.SetupGet(b => b.Mode).Returns("stand-in");
        backend.SetupGet(b => b.Metrics).Returns(backendMetrics);
        var rules = ImmutableDictionary<string, int>.Empty.Add("filter", 3).Add("nat", 5);
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(new SyncResult(true, 0, 0, 8)
        {
            Families = EquatableArray.Create(
                new FamilySync(IpFamily.IPv4, Full: true) { RulesByTable = rules, RulesWrittenByTable = rules },
                new FamilySync(IpFamily.IPv6, Full: true) { RulesByTable = rules, RulesWrittenByTable = rules }),
        });
        var health = new ProxierHealth(TimeSpan.FromMinutes(1), clock);
        var daemon = new ProxyDaemon(source.Object, new ChangeTracker(clock), backend.Object, NodeSettings.Named("node-1"), ReconcileOptions.Default,
            metrics, health, clock, NullLogger<ProxyDaemon>.Instance);
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        daemon.Queued();
        metrics.Publish(() =>
        {
            metrics.HealthzTotal.WithLabels("200").Inc();
            metrics.LivezTotal.WithLabels("200").Inc();
        });
        using var buffer = new MemoryStream();
        await metrics.ExportAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
