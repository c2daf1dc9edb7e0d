using System.Collections.Immutable;
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

namespace Proxy.Tests.Syncing;

public sealed class ProxyDaemonTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-daemon-").FullName;
    private readonly Mock<IProxyBackend> backend = new(MockBehavior.Strict);
    private readonly List<(IReadOnlyList<ProxyState> States, bool Full)> synced = [];

    public ProxyDaemonTests()
    {
        tracker = new ChangeTracker(clock);
        backend.SetupGet(b => b.Mode).Returns("fake");
        backend.SetupGet(b => b.Metrics).Returns(IptablesMetrics);
        // The failure counters iptables mode names: the daemon moves whatever the backend says, nothing of its own.
        backend.Setup(b => b.FailureCounters(It.IsAny<ProxySyncException>()))
            .Returns((ProxySyncException e) => e.PartialSync ? [BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures] : [BackendMetric.IptablesRestoreFailures]);
        backend.SetupGet(b => b.Renders).Returns(ServiceFeatures.All);
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyList<ProxyState> states, bool full, CancellationToken _) => synced.Add((states, full)))
            .ReturnsAsync(BothFamilies);
    }

    /// <summary>A full sync of both families; IPv4 ends with 3 filter and 5 nat rules.</summary>
    private static readonly SyncResult BothFamilies = new(true, 1, 1, 1)
    {
        Families = EquatableArray.Create(
            new FamilySync(IpFamily.IPv4, Full: true) { RulesByTable = new Dictionary<string, int> { ["filter"] = 3, ["nat"] = 5 }.ToImmutableDictionary() },
            new FamilySync(IpFamily.IPv6, Full: true)),
    };

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly IReadOnlySet<BackendMetric> IptablesMetrics = new HashSet<BackendMetric>
    {
        BackendMetric.FullAndPartialSyncDurations, BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures, BackendMetric.IptablesRules,
    };

    private readonly ProxyMetrics metrics = new(IptablesMetrics, new BuildInfo("v0.0.0", "", ".NET", "linux/amd64"));
    private readonly ProxierHealth health = new(TimeSpan.FromMinutes(1), TimeProvider.System);
    private readonly ChangeTracker tracker;

    private ProxyDaemon Daemon(IReadOnlyList<IProxyBackend>? leftovers = null, string? manifests = null) =>
        new(new ManifestDirectory(manifests ?? dir, tracker), tracker, backend.Object, NodeSettings.Named("node-1"), ReconcileOptions.Default, metrics, health, clock, NullLogger<ProxyDaemon>.Instance, leftovers);

    private void Write(string file, string content) => File.WriteAllText(Path.Combine(dir, file), content);

    private const string Web = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheDriftQuestionIsTheBackends(bool drifted)
    {
        backend.Setup(b => b.DriftedAsync(It.IsAny<CancellationToken>())).ReturnsAsync(drifted);

        Assert.Equal(drifted, await Daemon().DriftedAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ABackendThatCannotTellIsTakenAsDrift_SoThatTheFullSyncSaysWhy()
    {
        backend.Setup(b => b.DriftedAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new ProxySyncException("iptables: Permission denied"));

        Assert.True(await Daemon().DriftedAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ADryRunAppliedNothing_SoNothingDrifted()
    {
        var dryRun = new ProxyDaemon(new ManifestDirectory(dir, tracker), tracker, backend.Object, NodeSettings.Named("node-1"), ReconcileOptions.Default, metrics, health, clock,
            NullLogger<ProxyDaemon>.Instance, dryRun: true);

        // The strict mock throws on any call to DriftedAsync.
        Assert.False(await dryRun.DriftedAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ASyncHandsTheReconciledModelOfEveryFamilyToTheBackend()
    {
        Write("web.yaml", Web);

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        var (states, full) = Assert.Single(synced);
        Assert.True(full);
        Assert.Equal([IpFamily.IPv4, IpFamily.IPv6], states.Select(s => s.Family));
        Assert.Equal("default/web", Assert.Single(states[0].Services).Name.ToString());
    }

    [Fact]
    public async Task AnIncompleteSourceIsNotSynced_SoTheRulesOfWhatCouldNotBeReadStay()
    {
        // A broken file no longer makes a directory incomplete (its errors are reported, the rest is used); one that
        // cannot be listed does.
        Write("web.yaml", Web);

        Assert.False(await Daemon(manifests: Path.Combine(dir, "web.yaml")).SyncAsync(full: true, TestContext.Current.CancellationToken));
        Assert.Empty(synced);
    }

    [Fact]
    public async Task ABackendFailureIsReportedAsAFailedSync()
    {
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProxySyncException("iptables-restore: line 7 failed"));
        Write("web.yaml", Web);

        Assert.False(await Daemon().SyncAsync(full: false, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WritingAManifestFileIsNoticed()
    {
        using var changed = new SemaphoreSlim(0);
        using var watch = new ManifestDirectory(dir, tracker).Watch(() => changed.Release());

        Write("web.yaml", Web);

        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "no change notification within 10 s");
    }

    private static string Slice(DateTimeOffset trigger) =>
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
        + "metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}, "
        + $"annotations: {{endpoints.kubernetes.io/last-change-trigger-time: \"{trigger.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}}}\n"
        + "addressType: IPv4\nports: [{port: 8080}]\nendpoints: [{addresses: [10.244.1.2]}]\n";

    [Fact]
    public async Task NetworkProgrammingLatencyIsMeasuredFromTheSlicesTriggerTime()
    {
        Write("web.yaml", Web + Slice(clock.GetUtcNow() + TimeSpan.FromSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(4));

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.NetworkProgramming.WithLabels("IPv4").Count);
        Assert.Equal(3, metrics.NetworkProgramming.WithLabels("IPv4").Sum, precision: 3);
        Assert.Equal(0, metrics.NetworkProgramming.WithLabels("IPv6").Count);
        Assert.Equal(1, metrics.EndpointChangesTotal.Value);
        Assert.Equal(1, metrics.ServiceChangesTotal.Value);
        Assert.Equal(0, metrics.EndpointChangesPending.Value);
        Assert.Equal(0, metrics.ServiceChangesPending.Value);
    }

    [Fact]
    public async Task AFailedSyncKeepsTheChangesPending_TheNextOneCountsThemOnce()
    {
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProxySyncException("iptables-restore: line 7 failed") { PartialSync = true });
        backend.SetupGet(b => b.Mode).Returns("iptables");
        Write("web.yaml", Web + Slice(clock.GetUtcNow() + TimeSpan.FromSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(2));
        var daemon = Daemon();

        Assert.False(await daemon.SyncAsync(full: false, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.EndpointChangesPending.Value);
        Assert.Equal(1, metrics.ServiceChangesPending.Value);
        Assert.Empty(Series(metrics.NetworkProgramming));
        Assert.Equal(1, metrics.IptablesRestoreFailures!.WithLabels("IPv4").Value);
        Assert.Equal(1, metrics.IptablesPartialRestoreFailures!.WithLabels("IPv4").Value);

        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(BothFamilies);
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(0, metrics.EndpointChangesPending.Value);
        Assert.Equal(1, metrics.EndpointChangesTotal.Value);
        Assert.Equal(1, metrics.ServiceChangesTotal.Value);
        Assert.Equal(1, metrics.NetworkProgramming.WithLabels("IPv4").Count);
    }

    [Fact]
    public async Task EachFamilyTheSyncProgrammedGetsItsOwnSeries_AFamilyItDidNotProgramGetsNone()
    {
        var partialV4 = new SyncResult(false, 1, 0, 0)
        {
            Families = EquatableArray.Create(new FamilySync(IpFamily.IPv4, Full: false) { RulesByTable = new Dictionary<string, int> { ["filter"] = 3, ["nat"] = 4 }.ToImmutableDictionary() }),
        };
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(partialV4);
        Write("web.yaml", Web);

        Assert.True(await Daemon().SyncAsync(full: false, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.SyncDuration.WithLabels("IPv4").Count);
        Assert.Equal(1, metrics.PartialSyncDuration!.WithLabels("IPv4").Count);
        Assert.Equal(0, metrics.FullSyncDuration!.WithLabels("IPv4").Count);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), metrics.LastSync.WithLabels("IPv4").Value, precision: 0);
        Assert.Equal(4, metrics.IptablesRules!.WithLabels("nat", "IPv4").Value);
        Assert.Equal(0, metrics.NoLocalEndpoints.WithLabels("internal", "IPv4").Value);
        Assert.Equal(0, metrics.IptablesRestoreFailures!.WithLabels("IPv4").Value);
        Assert.Equal(["IPv4"], Series(metrics.SyncDuration));
        Assert.Equal(["IPv4"], Series(metrics.LastSync));
        Assert.Equal(["IPv4"], Series(metrics.IptablesRestoreFailures!));
        Assert.Equal(["IPv4"], Series(metrics.NetworkProgramming));
        Assert.Equal(["filter,IPv4", "nat,IPv4"], Series(metrics.IptablesRules!));
    }

    [Fact]
    public async Task RefusedServicePortsAndRepairedDriftAreCountedPerFamily()
    {
        var name = new ServicePortName("default", "broken", "", L4Protocol.Tcp);
        var result = new SyncResult(true, 1, 1, 1)
        {
            Families = EquatableArray.Create(
                new FamilySync(IpFamily.IPv4, Full: true) { Refused = EquatableArray.Create(new RefusedServicePort(name, "iptables-restore: line 3 failed")), RepairedDrift = true },
                new FamilySync(IpFamily.IPv6, Full: true)),
        };
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(result);
        Write("web.yaml", Web);
        var daemon = Daemon();

        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.RefusedServicePorts.WithLabels("IPv4").Value);
        Assert.Equal(0, metrics.RefusedServicePorts.WithLabels("IPv6").Value);
        Assert.Equal(2, metrics.DriftRepairs.WithLabels("IPv4").Value);
        Assert.Equal(["IPv4", "IPv6"], Series(metrics.DriftRepairs));
    }

    /// <summary>The label values of every series <paramref name="metric"/> has, comma-joined, in order.</summary>
    private static string[] Series<TChild>(Prometheus.Collector<TChild> metric)
        where TChild : Prometheus.ChildBase =>
        [.. metric.GetAllLabelValues().Select(v => string.Join(',', v)).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData(IpFamily.IPv6, new[] { 0, 1 })]
    [InlineData(null, new[] { 1, 1 })]
    public async Task AFailureCountsForTheFamilyWhoseSyncFailed_OneOfNoFamilyForEach(IpFamily? family, int[] expected)
    {
        backend.SetupGet(b => b.Mode).Returns("iptables");
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProxySyncException("ip6tables-restore: line 7 failed") { PartialSync = true, Family = family });
        Write("web.yaml", Web);

        Assert.False(await Daemon().SyncAsync(full: false, TestContext.Current.CancellationToken));

        int[] counted = [(int)metrics.IptablesRestoreFailures!.WithLabels("IPv4").Value, (int)metrics.IptablesRestoreFailures!.WithLabels("IPv6").Value];
        Assert.Equal(expected, counted);
        Assert.Equal(expected[1], metrics.IptablesPartialRestoreFailures!.WithLabels("IPv6").Value);
        Assert.Null(metrics.NftablesSyncFailures); // not an iptables-mode metric upstream
    }

    [Fact]
    public async Task NetworkProgrammingLatencyGoesToTheFamilyOfTheSlice()
    {
        var v6 = Slice(clock.GetUtcNow() + TimeSpan.FromSeconds(1)).Replace("name: web-1", "name: web-v6", StringComparison.Ordinal)
            .Replace("addressType: IPv4", "addressType: IPv6", StringComparison.Ordinal).Replace("10.244.1.2", "fd00::2", StringComparison.Ordinal);
        Write("web.yaml", Web + v6);
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.NetworkProgramming.WithLabels("IPv6").Count);
        Assert.Equal(2, metrics.NetworkProgramming.WithLabels("IPv6").Sum, precision: 3);
        Assert.Equal(0, metrics.NetworkProgramming.WithLabels("IPv4").Count);
    }

    [Fact]
    public async Task AQueuedSyncSetsTheQueuedTimeOfEveryFamilyTheProxyPrograms_KeptUntilTheFirstSyncSaysWhich()
    {
        var onlyV4 = new SyncResult(true, 1, 1, 1) { Families = EquatableArray.Create(new FamilySync(IpFamily.IPv4, Full: true)) };
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(onlyV4);
        Write("web.yaml", Web);
        var daemon = Daemon();
        var queued = clock.GetUtcNow();

        daemon.Queued();
        Assert.Empty(Series(metrics.LastQueued));

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        Assert.Equal(queued.ToUnixTimeSeconds(), metrics.LastQueued.WithLabels("IPv4").Value, precision: 0);

        clock.Advance(TimeSpan.FromSeconds(5));
        daemon.Queued();
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), metrics.LastQueued.WithLabels("IPv4").Value, precision: 0);
        Assert.Equal(["IPv4"], Series(metrics.LastQueued));
    }

    [Fact]
    public async Task TheFirstSyncThatAppliesRemovesTheOtherModesLeftovers_OnceAndNotBefore()
    {
        var other = new Mock<IProxyBackend>(MockBehavior.Strict);
        other.SetupGet(b => b.Mode).Returns("nftables");
        other.Setup(b => b.CleanupAsync(It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var manifests = Path.Combine(dir, "manifests");
        var daemon = Daemon([other.Object], manifests);

        Assert.False(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        other.Verify(b => b.CleanupAsync(It.IsAny<CancellationToken>()), Times.Never);

        Directory.CreateDirectory(manifests);
        File.WriteAllText(Path.Combine(manifests, "web.yaml"), Web);
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        Assert.True(await daemon.SyncAsync(full: false, TestContext.Current.CancellationToken));

        other.Verify(b => b.CleanupAsync(It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(2, synced.Count);
    }

    [Fact]
    public async Task ALeftoverCleanupThatFailsIsLoggedAndTheSyncStillCounts()
    {
        var failing = new Mock<IProxyBackend>(MockBehavior.Strict);
        failing.SetupGet(b => b.Mode).Returns("ipvs");
        failing.Setup(b => b.CleanupAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new ProxySyncException("IPVS cleanup failed: EPERM"));
        var next = new Mock<IProxyBackend>(MockBehavior.Strict);
        next.SetupGet(b => b.Mode).Returns("iptables");
        next.Setup(b => b.CleanupAsync(It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Write("web.yaml", Web);

        Assert.True(await Daemon([failing.Object, next.Object]).SyncAsync(full: true, TestContext.Current.CancellationToken));

        next.Verify(b => b.CleanupAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    /// <summary>upstream's NodeEligible: the Node must be known, not being deleted, and not tainted ToBeDeletedByClusterAutoscaler.</summary>
    [Theory]
    [InlineData("apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\nspec: {taints: [{key: ToBeDeletedByClusterAutoscaler, effect: NoSchedule}]}\n", false)]
    [InlineData("apiVersion: v1\nkind: Node\nmetadata: {name: node-1, deletionTimestamp: \"2025-06-01T11:00:00Z\"}\n", false)]
    [InlineData("apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\nspec: {taints: [{key: other, effect: NoSchedule}]}\n", true)]
    [InlineData("apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n", true)]
    [InlineData("apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\n", false)]
    [InlineData("", false)]
    public async Task ANodeThatIsUnknownOrOnItsWayOutIsNotEligibleForHealthz(string node, bool eligible)
    {
        Write("web.yaml", Web);
        Write("node.yaml", node);

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(eligible, health.Report(includeNode: true).Healthy);
        Assert.True(health.Report(includeNode: false).Healthy);
        Assert.Equal(eligible, System.Text.Json.Nodes.JsonNode.Parse(health.Report(includeNode: true).Body)!["nodeEligible"]!.GetValue<bool>());
    }

    private const string LocalOnlyElsewhere =
        "apiVersion: v1\nkind: Service\nmetadata: {name: local, namespace: default}\n"
        + "spec: {clusterIP: 10.96.0.20, internalTrafficPolicy: Local, type: NodePort, externalTrafficPolicy: Local, ports: [{port: 80, nodePort: 30080}]}\n"
        + "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
        + "metadata: {name: local-1, namespace: default, labels: {kubernetes.io/service-name: local}}\n"
        + "addressType: IPv4\nports: [{port: 8080}]\nendpoints: [{addresses: [10.244.2.2], nodeName: node-2}]\n";

    [Fact]
    public async Task ServicesWhoseLocalPolicyFindsNoEndpointHereAreCountedPerFamilyAndTrafficPolicy()
    {
        Write("web.yaml", Web);
        Write("local.yaml", LocalOnlyElsewhere);

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.NoLocalEndpoints.WithLabels("internal", "IPv4").Value);
        Assert.Equal(1, metrics.NoLocalEndpoints.WithLabels("external", "IPv4").Value);
        Assert.Equal(0, metrics.NoLocalEndpoints.WithLabels("internal", "IPv6").Value);

        // The endpoint moves to this node: nothing lacks a local endpoint any more, and the next sync says so.
        Write("local.yaml", LocalOnlyElsewhere.Replace("nodeName: node-2", "nodeName: node-1", StringComparison.Ordinal));
        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(0, metrics.NoLocalEndpoints.WithLabels("internal", "IPv4").Value);
        Assert.Equal(0, metrics.NoLocalEndpoints.WithLabels("external", "IPv4").Value);
    }

    [Fact]
    public async Task AFailureMovesOnlyTheCountersTheBackendNames()
    {
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProxySyncException("netlink: EPERM") { Family = IpFamily.IPv4 });
        backend.Setup(b => b.FailureCounters(It.IsAny<ProxySyncException>())).Returns([]);
        Write("web.yaml", Web);

        Assert.False(await Daemon().SyncAsync(full: false, TestContext.Current.CancellationToken));

        Assert.Equal(0, metrics.IptablesRestoreFailures!.WithLabels("IPv4").Value);
    }
}
