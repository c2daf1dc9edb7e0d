using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
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
    private sealed record Reference(string Name, string Type, string[] Labels, double[] Buckets, string[] Modes, string Note);

    private static IReadOnlyList<Reference> References { get; } =
        [.. File.ReadAllLines(RepositoryPaths.File("tests", "Proxy.Tests", "Observability", "testdata", "kube-proxy-v1.36-metrics.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(c => new Reference(c[0], c[1], Split(c[2]), [.. Split(c[3]).Select(b => double.Parse(b, CultureInfo.InvariantCulture))], Split(c[4]), c[5]))];

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);

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

        var expected = References.Where(r => r.Modes.Contains(mode) && r.Note is not ("issue 16" or "nfacct")).ToList();
        Assert.Equal(
            expected.Select(r => $"{r.Name} {r.Type}").Order(StringComparer.Ordinal),
            text.Split('\n').Where(l => l.StartsWith("# TYPE kube", StringComparison.Ordinal)).Select(l => l["# TYPE ".Length..]).Order(StringComparer.Ordinal));
        foreach (var reference in expected)
        {
            var samples = LabelNames(text, reference.Name);
            Assert.True(samples.Count > 0, $"{reference.Name} has no sample to show its labels");
            Assert.All(samples, names => Assert.True(names.SequenceEqual(reference.Labels),
                $"{reference.Name} has labels [{string.Join(", ", names)}], upstream [{string.Join(", ", reference.Labels)}]"));
            if (reference.Type == "histogram")
            {
                Assert.Equal([.. reference.Buckets, double.PositiveInfinity], Buckets(text, reference.Name));
            }
        }
        // Not one of issue 16's or the nfacct ones slipped in under another name, and the process and runtime metrics are there.
        Assert.Contains("# TYPE process_cpu_seconds_total counter", text);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge", text);
        Assert.Contains("# TYPE dotnet_total_memory_bytes gauge", text);
    }

    [Fact]
    public async Task BuildInfoIsOneWithOurVersion()
    {
        var build = new BuildInfo("v1.2.3", "abc", ".NET 10.0.0", "linux/amd64");
        var text = await ScrapeAfterOneSyncAsync(new ProxyMetrics([], build), new HashSet<BackendMetric>());

        Assert.Contains("kubernetes_build_info{build_date=\"\",compiler=\"dotnet\",git_commit=\"abc\",git_tree_state=\"\",git_version=\"v1.2.3\",go_version=\".NET 10.0.0\",major=\"1\",minor=\"2\",platform=\"linux/amd64\"} 1", text);
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

    /// <summary>Every sample line of <paramref name="name"/> (its _bucket, _sum and _count too), with its label names sorted; a bucket's le left out.</summary>
    private static List<string[]> LabelNames(string metrics, string name) =>
        [.. metrics.Split('\n')
            .Where(l => !l.StartsWith('#') && Regex.IsMatch(l, $"^{Regex.Escape(name)}(_bucket|_sum|_count)?[{{ ]"))
            .Select(l => Regex.Matches(l[..(l.IndexOf('}') is var end and >= 0 ? end : 0)], "([a-zA-Z_][a-zA-Z0-9_]*)=\"")
                .Select(m => m.Groups[1].Value)
                .Where(n => !(n == "le" && l.StartsWith(name + "_bucket", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal)
                .ToArray())];

    /// <summary>The le values of <paramref name="name"/>'s IPv4 buckets, in order.</summary>
    private static double[] Buckets(string metrics, string name) =>
        [.. metrics.Split('\n')
            .Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal) && l.Contains("ip_family=\"IPv4\"", StringComparison.Ordinal))
            .Select(l => Regex.Match(l, "le=\"([^\"]+)\"").Groups[1].Value)
            .Select(v => v == "+Inf" ? double.PositiveInfinity : double.Parse(v, CultureInfo.InvariantCulture))];
}
