using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Proxy.Conntrack;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using Proxy.Kubernetes;
using Proxy.Netlink;
using Proxy.Observability;
using Proxy.Reconciling;
using Proxy.Sources;
using Proxy.Syncing;
using static Proxy.Tests.Conntrack.Udp;

namespace Proxy.Tests.Conntrack;

/// <summary>The daemon cleans conntrack after a sync that applied, never after one that did not, and a cleanup failure never fails the sync.</summary>
public sealed class ConntrackAfterSyncTests : IDisposable
{
    private const string Dns = "apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\n"
        + "spec: {clusterIP: 10.96.0.10, ports: [{name: dns, port: 53, protocol: UDP}]}\n";

    private readonly string dir = Directory.CreateTempSubdirectory("kps-conntrack-").FullName;
    private readonly Mock<IProxyBackend> backend = new(MockBehavior.Strict);
    private readonly FakeConntrackTable table = new();
    private readonly FakeTimeProvider clock = new();
    private readonly ProxyMetrics metrics = new([], BuildInfo.Current());
    private readonly ChangeTracker tracker;

    public ConntrackAfterSyncTests()
    {
        tracker = new ChangeTracker(clock);
        backend.SetupGet(b => b.Mode).Returns("fake");
        backend.SetupGet(b => b.Renders).Returns(ServiceFeatures.All);
        backend.Setup(b => b.FailureCounters(It.IsAny<ProxySyncException>())).Returns([]);
        Applies(true);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Slice(string ip) =>
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
        + "metadata: {name: dns-1, namespace: kube-system, labels: {kubernetes.io/service-name: dns}}\n"
        + $"addressType: IPv4\nports: [{{name: dns, port: 53, protocol: UDP}}]\nendpoints: [{{addresses: [{ip}]}}]\n";

    private void Applies(bool succeeds)
    {
        var setup = backend.Setup(b => b.SyncAsync(It.IsAny<IReadOnlyList<ProxyState>>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()));
        if (succeeds)
        {
            setup.ReturnsAsync(new SyncResult(true, 1, 1, 1) { Families = EquatableArray.Create(new FamilySync(IpFamily.IPv4, Full: true)) });
        }
        else
        {
            setup.ThrowsAsync(new ProxySyncException("iptables-restore: line 7 failed"));
        }
    }

    private ProxyDaemon Daemon() =>
        new(new ManifestDirectory(dir, tracker), tracker, backend.Object, NodeSettings.Named("node-1"), ReconcileOptions.Default, metrics,
            new ProxierHealth(TimeSpan.FromMinutes(1), clock), clock, NullLogger<ProxyDaemon>.Instance,
            conntrack: new ConntrackReconciler(table, metrics, clock, NullLogger<ConntrackReconciler>.Instance));

    private Task<bool> Sync(ProxyDaemon daemon) => daemon.SyncAsync(full: true, TestContext.Current.CancellationToken);

    [Fact]
    public async Task AReplacedEndpointsFlowIsDeletedOnceTheNewRulesAreIn()
    {
        var daemon = Daemon();
        File.WriteAllText(Path.Combine(dir, "dns.yaml"), Dns + Slice("10.244.1.5"));
        Assert.True(await Sync(daemon));
        var toOldPod = Flow("10.244.0.9:40000", "10.96.0.10:53", "10.244.1.5:53");
        table.Add(toOldPod);

        File.WriteAllText(Path.Combine(dir, "dns.yaml"), Dns + Slice("10.244.2.6"));
        Assert.True(await Sync(daemon));

        Assert.Empty(table.Dump());
    }

    [Fact]
    public async Task ASyncThatDidNotApplyCleansNothing_AndTheNextOneThatDoesCleans()
    {
        var daemon = Daemon();
        File.WriteAllText(Path.Combine(dir, "dns.yaml"), Dns + Slice("10.244.1.5"));
        table.Add(Flow("10.244.0.9:40000", "10.96.0.10:53", "10.96.0.10:53"));
        Applies(false);

        Assert.False(await Sync(daemon));

        Assert.Empty(table.Listings);
        Applies(true);
        Assert.True(await Sync(daemon));
        Assert.Empty(table.Dump());
    }

    [Fact]
    public async Task AConntrackFailureDoesNotFailTheSync()
    {
        table.RefuseListing = NetlinkErrno.PermissionDenied;
        File.WriteAllText(Path.Combine(dir, "dns.yaml"), Dns + Slice("10.244.1.5"));

        Assert.True(await Sync(Daemon()));
        Assert.Single(table.Listings);
    }
}
