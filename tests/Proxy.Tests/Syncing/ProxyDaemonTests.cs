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
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyList<ProxyState> states, bool full, CancellationToken _) => synced.Add((states, full)))
            .ReturnsAsync(new SyncResult(true, 1, 1, 1));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ProxyMetrics metrics = new();
    private readonly ProxierHealth health = new(TimeSpan.FromMinutes(1), TimeProvider.System);
    private readonly ChangeTracker tracker;

    private ProxyDaemon Daemon(IReadOnlyList<IProxyBackend>? leftovers = null) =>
        new(new ManifestDirectory(dir, tracker), tracker, backend.Object, "node-1", ReconcileOptions.Default, metrics, health, clock, NullLogger<ProxyDaemon>.Instance, leftovers);

    private void Write(string file, string content) => File.WriteAllText(Path.Combine(dir, file), content);

    private const string Web = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n";

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
        Write("web.yaml", Web);
        Write("broken.yaml", "kind: [");

        Assert.False(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));
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

        Assert.Equal(1, metrics.NetworkProgramming.Count);
        Assert.Equal(3, metrics.NetworkProgramming.Sum, precision: 3);
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
        Assert.Equal(0, metrics.NetworkProgramming.Count);
        Assert.Equal(1, metrics.IptablesRestoreFailures.Value);
        Assert.Equal(1, metrics.IptablesPartialRestoreFailures.Value);

        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncResult(true, 1, 1, 1));
        Assert.True(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(0, metrics.EndpointChangesPending.Value);
        Assert.Equal(1, metrics.EndpointChangesTotal.Value);
        Assert.Equal(1, metrics.ServiceChangesTotal.Value);
        Assert.Equal(1, metrics.NetworkProgramming.Count);
    }

    [Fact]
    public async Task TheFirstSyncThatAppliesRemovesTheOtherModesLeftovers_OnceAndNotBefore()
    {
        var other = new Mock<IProxyBackend>(MockBehavior.Strict);
        other.SetupGet(b => b.Mode).Returns("nftables");
        other.Setup(b => b.CleanupAsync(It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Write("web.yaml", Web);
        Write("broken.yaml", "kind: [");
        var daemon = Daemon([other.Object]);

        Assert.False(await daemon.SyncAsync(full: true, TestContext.Current.CancellationToken));
        other.Verify(b => b.CleanupAsync(It.IsAny<CancellationToken>()), Times.Never);

        File.Delete(Path.Combine(dir, "broken.yaml"));
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

    [Theory]
    [InlineData("spec: {taints: [{key: ToBeDeletedByClusterAutoscaler, effect: NoSchedule}]}", false)]
    [InlineData("spec: {taints: [{key: other, effect: NoSchedule}]}", true)]
    public async Task ANodeOnItsWayOutIsNotEligibleForHealthz(string spec, bool eligible)
    {
        Write("web.yaml", Web);
        Write("node.yaml", $"apiVersion: v1\nkind: Node\nmetadata: {{name: node-1}}\n{spec}\n");

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(eligible, health.Report(includeNode: true).Healthy);
        Assert.True(health.Report(includeNode: false).Healthy);
        Assert.Contains($"\"nodeEligible\": {(eligible ? "true" : "false")}", health.Report(includeNode: true).Body);
    }
}
