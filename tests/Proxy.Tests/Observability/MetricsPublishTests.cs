using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using Proxy.Kubernetes;
using Proxy.Observability;
using Proxy.Reconciling;
using Proxy.Sources;
using Proxy.Syncing;

namespace Proxy.Tests.Observability;

/// <summary>A scrape sees all of one sync's values or none of them, however the two interleave.</summary>
public sealed class MetricsPublishTests
{
    private const int Syncs = 1000;

    private static readonly IReadOnlySet<BackendMetric> IptablesMetrics = new HashSet<BackendMetric>
    {
        BackendMetric.FullAndPartialSyncDurations, BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures, BackendMetric.IptablesRules,
    };

    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Sync n (from 1) takes one second of the fake clock and ends with n nat rules, n of them written, full every other
    /// time; so after n syncs every value one scrape shows is a function of n: the duration count n, full + partial
    /// counts n, the rule gauges n, the last-sync time Start + 2n - 1 seconds (the clock also moves a second between
    /// syncs). A scrape that caught a sync half-published sees them disagree.
    /// </summary>
    [Fact]
    public async Task AScrapeRacing1000SyncsNeverSeesAHalfPublishedSync()
    {
        var clock = new FakeTimeProvider(Start);
        var metrics = new ProxyMetrics(IptablesMetrics, new BuildInfo("v0.0.0", "", ".NET", "linux/amd64"));
        var source = new Mock<IClusterSource>();
        source.SetupGet(s => s.Description).Returns("test");
        source.Setup(s => s.Read()).Returns(new SourceSnapshot(ClusterObjects.Empty, [], Complete: true));
        var backend = new Mock<IProxyBackend>();
        backend.SetupGet(b => b.Mode).Returns("iptables");
        var n = 0;
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                n++;
                clock.Advance(TimeSpan.FromSeconds(1));
                var rules = ImmutableDictionary<string, int>.Empty.Add("nat", n).Add("filter", 2 * n);
                return Task.FromResult(new SyncResult(n % 2 == 1, 1, 1, n)
                {
                    Families = EquatableArray.Create(new FamilySync(IpFamily.IPv4, Full: n % 2 == 1) { RulesByTable = rules, RulesWrittenByTable = rules }),
                });
            });
        var daemon = new ProxyDaemon(source.Object, new ChangeTracker(clock), backend.Object, NodeSettings.Named("node-1"), ReconcileOptions.Default,
            metrics, new ProxierHealth(TimeSpan.FromMinutes(1), clock), clock, NullLogger<ProxyDaemon>.Instance);

        using var done = new CancellationTokenSource();
        var scrapes = 0;
        var seenMidway = 0;
        var scraper = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                using var buffer = new MemoryStream();
                await metrics.ExportAsync(buffer, CancellationToken.None);
                var text = Encoding.UTF8.GetString(buffer.ToArray());
                var count = Exposition.Sample(text, "kubeproxy_sync_proxy_rules_duration_seconds_count{ip_family=\"IPv4\"}");
                if (count is null)
                {
                    continue; // before the first sync: no IPv4 series at all
                }
                var syncs = count.Value;
                Assert.Equal(syncs, Exposition.Sample(text, "kubeproxy_sync_full_proxy_rules_duration_seconds_count{ip_family=\"IPv4\"}")
                    + Exposition.Sample(text, "kubeproxy_sync_partial_proxy_rules_duration_seconds_count{ip_family=\"IPv4\"}"));
                Assert.Equal(syncs, Exposition.Sample(text, "kubeproxy_sync_proxy_rules_iptables_total{table=\"nat\",ip_family=\"IPv4\"}"));
                Assert.Equal(2 * syncs, Exposition.Sample(text, "kubeproxy_sync_proxy_rules_iptables_total{table=\"filter\",ip_family=\"IPv4\"}"));
                Assert.Equal(syncs, Exposition.Sample(text, "kubeproxy_sync_proxy_rules_iptables_last{table=\"nat\",ip_family=\"IPv4\"}"));
                Assert.Equal(Start.ToUnixTimeSeconds() + (2 * syncs) - 1, Exposition.Sample(text, "kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"IPv4\"}"));
                scrapes++;
                if (syncs is > 0 and < Syncs)
                {
                    seenMidway++;
                }
            }
        }, TestContext.Current.CancellationToken);

        for (var i = 0; i < Syncs; i++)
        {
            Assert.True(await daemon.SyncAsync(full: false, TestContext.Current.CancellationToken));
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await done.CancelAsync();
        await scraper;

        // The race was run, not skipped: scrapes landed between syncs, not only before the first or after the last.
        Assert.True(seenMidway > 10, $"only {seenMidway} of {scrapes} scrapes fell between syncs");
    }
}
