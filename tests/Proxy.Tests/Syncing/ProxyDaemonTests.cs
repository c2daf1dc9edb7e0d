using Microsoft.Extensions.Logging.Abstractions;
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
        backend.SetupGet(b => b.Mode).Returns("fake");
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyList<ProxyState> states, bool full, CancellationToken _) => synced.Add((states, full)))
            .ReturnsAsync(new SyncResult(true, 1, 1, 1));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private readonly ChangeTracker tracker = new();
    private readonly ProxyMetrics metrics = new();
    private readonly ProxierHealth health = new(TimeSpan.FromMinutes(1), TimeProvider.System);

    private ProxyDaemon Daemon() => new(new ManifestDirectory(dir), tracker, backend.Object, "node-1", ReconcileOptions.Default, metrics, health, TimeProvider.System, NullLogger<ProxyDaemon>.Instance);

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
        using var watch = new ManifestDirectory(dir).Watch(() => changed.Release());

        Write("web.yaml", Web);

        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "no change notification within 10 s");
    }

    [Fact]
    public async Task NetworkProgrammingLatencyIsMeasuredFromTheSlicesTriggerTime()
    {
        Write("web.yaml", Web);
        tracker.EndpointsChanged("default/web", DateTimeOffset.UtcNow - TimeSpan.FromSeconds(3));
        tracker.ServiceChanged("default/web");

        Assert.True(await Daemon().SyncAsync(full: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.NetworkProgramming.Count);
        Assert.InRange(metrics.NetworkProgramming.Sum, 3, 60);
        Assert.Equal(1, metrics.EndpointChangesTotal.Value);
        Assert.Equal(1, metrics.ServiceChangesTotal.Value);
        Assert.Equal(0, metrics.EndpointChangesPending.Value);
    }

    [Fact]
    public async Task AFailedSyncKeepsTheChangesPending()
    {
        backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProxySyncException("iptables-restore: line 7 failed") { PartialSync = true });
        backend.SetupGet(b => b.Mode).Returns("iptables");
        Write("web.yaml", Web);
        tracker.EndpointsChanged("default/web");

        Assert.False(await Daemon().SyncAsync(full: false, TestContext.Current.CancellationToken));

        Assert.Equal(1, metrics.EndpointChangesPending.Value);
        Assert.Equal(1, metrics.IptablesRestoreFailures.Value);
        Assert.Equal(1, metrics.IptablesPartialRestoreFailures.Value);
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
