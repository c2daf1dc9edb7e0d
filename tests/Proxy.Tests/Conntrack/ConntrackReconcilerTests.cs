using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Proxy.Conntrack;
using Proxy.Core.Model;
using Proxy.Netlink;
using Proxy.Netlink.Conntrack;
using Proxy.Observability;
using static Proxy.Tests.Conntrack.Udp;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// When the reconciler cleans (after a sync in which a UDP port's serving endpoints changed, or a UDP port went, and on
/// the first sync), what it then deletes from a stateful table, what it records, and how a failure is retried.
/// </summary>
public class ConntrackReconcilerTests
{
    private readonly FakeConntrackTable table = new();
    private readonly ProxyMetrics metrics = new([], BuildInfo.Current());
    private readonly FakeTimeProvider clock = new();
    private readonly RecordingLogger<ConntrackReconciler> logger = new();
    private readonly ConntrackReconciler reconciler;

    public ConntrackReconcilerTests() => reconciler = new ConntrackReconciler(table, metrics, clock, logger);

    private static ProxyState V4(params ServicePort[] ports) => ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default, ports);

    private static ProxyState V6(params ServicePort[] ports) => ProxyState.Create(IpFamily.IPv6, NodeNetwork.Default, ports);

    private static readonly ServicePort OnPodA = Port("dns", "10.96.0.10", 53, "10.244.1.5:53");
    private static readonly ServicePort OnPodB = Port("dns", "10.96.0.10", 53, "10.244.2.6:53");

    [Fact]
    public void TheFirstSyncCleansEveryUdpPortWithEndpoints_AsUpstreamsFirstSyncSeesEveryEndpointAsNew()
    {
        var early = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.96.0.10:53");
        var good = Flow("10.0.0.2:40000", "10.96.0.10:53", "10.244.1.5:53");
        table.Add(early, good);

        reconciler.Reconcile([V4(OnPodA)]);

        Assert.Equal([good.ToString()], table.Dump());
        Assert.Equal(1, metrics.ConntrackDeletedEntries.WithLabels("IPv4").Value);
        Assert.Equal(1, metrics.ConntrackReconcileDuration.WithLabels("IPv4").Count);
    }

    [Fact]
    public void ASyncThatChangedNoUdpServingEndpointsReadsNothing()
    {
        reconciler.Reconcile([V4(OnPodA, Port("web", "10.96.0.20", 80, "10.244.1.5:80", protocol: L4Protocol.Tcp))]);
        table.Listings.Clear();

        reconciler.Reconcile([V4(OnPodA, Port("web", "10.96.0.20", 80, "10.244.9.9:80", protocol: L4Protocol.Tcp))]);
        reconciler.Reconcile([V4(OnPodA with { NodePort = 30053 })]);

        Assert.Empty(table.Listings);
    }

    [Fact]
    public void AUdpServiceWithoutEndpointsOwesNothingUntilItGetsSome()
    {
        reconciler.Reconcile([V4(Port("dns", "10.96.0.10", 53))]);
        Assert.Empty(table.Listings);

        var blackhole = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.96.0.10:53");
        table.Add(blackhole);
        reconciler.Reconcile([V4(OnPodA)]);

        Assert.Empty(table.Dump());
    }

    [Fact]
    public void AReplacedEndpointsFlowsGo()
    {
        reconciler.Reconcile([V4(OnPodA)]);
        var toA = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53");
        table.Add(toA);

        reconciler.Reconcile([V4(OnPodB)]);

        Assert.Empty(table.Dump());
    }

    [Fact]
    public void EndpointsGoingToZeroTakeTheirFlows()
    {
        reconciler.Reconcile([V4(OnPodA)]);
        table.Add(Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53"));

        reconciler.Reconcile([V4(OnPodA with { ServingEndpoints = EquatableArray<Endpoint>.Empty })]);

        Assert.Empty(table.Dump());
    }

    [Fact]
    public void ADeletedUdpServicesFlowsGo()
    {
        reconciler.Reconcile([V4(OnPodA)]);
        table.Add(Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53"));

        reconciler.Reconcile([V4()]);

        Assert.Empty(table.Dump());
        Assert.Single(table.Listings.Skip(1));
    }

    [Fact]
    public void EachFamilyIsReadAndCleanedOnItsOwn()
    {
        var v6 = Port("dns", "fd00::a", 53, "[fd00:244::5]:53");
        reconciler.Reconcile([V4(OnPodA), V6(v6)]);
        table.Listings.Clear();
        var stale4 = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53");
        var kept6 = Flow("[fd00::1]:40000", "[fd00::a]:53", "[fd00:244::5]:53");
        table.Add(stale4, kept6);

        reconciler.Reconcile([V4(OnPodB), V6(v6)]);

        Assert.Equal([AddressFamily.InterNetwork], table.Listings);
        Assert.Equal([kept6.ToString()], table.Dump());
        Assert.Equal(0, metrics.ConntrackDeletedEntries.WithLabels("IPv6").Value);
    }

    [Fact]
    public void AListingThatFailsIsLoggedAndRetriedByTheNextSync_EvenWithNothingNewToDo()
    {
        table.RefuseListing = NetlinkErrno.PermissionDenied;
        var stale = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.96.0.10:53");
        table.Add(stale);

        reconciler.Reconcile([V4(OnPodA)]);

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("EPERM", StringComparison.Ordinal));
        Assert.Single(table.Dump());
        table.RefuseListing = null;

        reconciler.Reconcile([V4(OnPodA)]);

        Assert.Empty(table.Dump());
        table.Listings.Clear();
        reconciler.Reconcile([V4(OnPodA)]);
        Assert.Empty(table.Listings);
    }

    [Fact]
    public void ARefusedDeleteCountsWhatWentAndIsRetried()
    {
        reconciler.Reconcile([V4(OnPodA)]);
        var first = Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53");
        var stubborn = Flow("10.0.0.2:40000", "10.96.0.10:53", "10.244.1.5:53");
        table.Add(first, stubborn);
        table.RefuseDelete = f => f == stubborn ? NetlinkErrno.Busy : NetlinkErrno.None;

        reconciler.Reconcile([V4(OnPodB)]);

        Assert.Equal([stubborn.ToString()], table.Dump());
        Assert.Equal(1, metrics.ConntrackDeletedEntries.WithLabels("IPv4").Value);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Deleted 1 of 2", StringComparison.Ordinal));
        table.RefuseDelete = _ => NetlinkErrno.None;

        reconciler.Reconcile([V4(OnPodB)]);

        Assert.Empty(table.Dump());
        Assert.Equal(2, metrics.ConntrackDeletedEntries.WithLabels("IPv4").Value);
    }

    [Fact]
    public void AnInterruptedListingIsUsedAsFarAsItGoes_AndReadAgainNextSync()
    {
        table.Interrupted = true;
        table.Add(Flow("10.0.0.1:40000", "10.96.0.10:53", "10.96.0.10:53"));

        reconciler.Reconcile([V4(OnPodA)]);

        Assert.Empty(table.Dump());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning);
        table.Interrupted = false;
        reconciler.Reconcile([V4(OnPodA)]);
        Assert.Equal(2, table.Listings.Count);
    }

    [Fact]
    public void AFlowThatExpiredBeforeItsDeleteIsNeitherCountedNorAnError()
    {
        table.Add(Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.9.9:53"));
        var expiring = new ConntrackReconciler(new ExpiringTable(table), metrics, clock, logger);

        expiring.Reconcile([V4(OnPodA)]);

        Assert.Empty(table.Dump());
        Assert.Equal(0, metrics.ConntrackDeletedEntries.WithLabels("IPv4").Value);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    /// <summary>A table whose flows all expire between a listing and the deletes that follow it.</summary>
    private sealed class ExpiringTable(FakeConntrackTable inner) : IConntrackTable
    {
        public ConntrackListing List(AddressFamily family, ProtocolType protocol)
        {
            var listing = inner.List(family, protocol);
            inner.Delete(listing.Flows);
            return listing;
        }

        public ConntrackDeletion Delete(IReadOnlyList<ConntrackFlow> flows) => inner.Delete(flows);
    }
}
