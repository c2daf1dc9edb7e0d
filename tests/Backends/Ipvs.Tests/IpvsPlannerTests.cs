using System.Net;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>The planner against a stateful fake kernel table, checked through its <c>ipvsadm -Ln</c> dump.</summary>
public class IpvsPlannerTests
{
    private static readonly IPAddress Node = IPAddress.Parse("192.0.2.1");
    private readonly FakeIpvsClient kernel = new();

    private static ServicePort Port(string name, string ip, int port, int nodePort, L4Protocol protocol, params string[] endpoints) => TestModel.Port(
        new ServicePortName("default", name, "", protocol),
        IPAddress.Parse(ip),
        port,
        nodePort,
        endpoints.Select(e => new Endpoint(IPAddress.Parse(e), 8080, false)));

    /// <summary>Owned addresses: service IPs (as if bound to kube-ipvs0) and the node address node ports use.</summary>
    private static bool Owned(IpvsVirtualServer service) => service.Address.ToString().StartsWith("10.96.", StringComparison.Ordinal) || service.Address.Equals(Node);

    private List<string> Sync(string scheduler, params ServicePort[] ports)
    {
        var desired = IpvsDesiredService.From(ProxyState.Create(IpFamily.IPv4, TestModel.Node(null), ports), scheduler, [Node]);
        var current = kernel.GetServices().ToDictionary(s => s, kernel.GetDestinations);
        var operations = IpvsPlanner.Plan(desired, current, Owned);
        foreach (var operation in operations)
        {
            operation.ApplyTo(kernel);
        }
        return [.. operations.Select(o => o.ToString())];
    }

    private const string Head = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";

    [Fact]
    public void CreatesOneVirtualServerPerClusterIPAndPerNodeAddressForANodePort()
    {
        Sync("rr", Port("web", "10.96.0.10", 80, 30080, L4Protocol.Tcp, "10.244.1.2", "10.244.1.3"), Port("empty", "10.96.0.30", 80, 0, L4Protocol.Tcp));

        Assert.Equal(
            Head
            + "TCP  10.96.0.10:80 rr\n"
            + "  -> 10.244.1.2:8080              Masq    1      0          0\n"
            + "  -> 10.244.1.3:8080              Masq    1      0          0\n"
            + "TCP  10.96.0.30:80 rr\n"
            + "TCP  192.0.2.1:30080 rr\n"
            + "  -> 10.244.1.2:8080              Masq    1      0          0\n"
            + "  -> 10.244.1.3:8080              Masq    1      0          0\n",
            kernel.Dump());
    }

    [Fact]
    public void ScalingUpAddsRealServers_AndAnUnchangedStateDoesNothing()
    {
        Sync("rr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2"));

        Assert.Equal(["add-destination tcp 10.96.0.10:80 -> 10.244.1.3:8080 weight 1"], Sync("rr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2", "10.244.1.3")));
        Assert.Empty(Sync("rr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2", "10.244.1.3")));
    }

    [Fact]
    public void ScalingDownDrainsATcpRealServerWithConnections_ThenDeletesItWhenIdle()
    {
        var web = Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2", "10.244.1.3");
        Sync("rr", web);
        var service = kernel.GetServices().Single();
        kernel.SetConnections(service, IPAddress.Parse("10.244.1.3"), active: 2, inactive: 1);
        var down = web with { ClusterEndpoints = EquatableArray.Create(web.ClusterEndpoints[0]) };

        Assert.Equal(["update-destination tcp 10.96.0.10:80 -> 10.244.1.3:8080 weight 0"], Sync("rr", down));
        Assert.Contains("  -> 10.244.1.3:8080              Masq    0      2          1\n", kernel.Dump());
        Assert.Empty(Sync("rr", down));

        kernel.SetConnections(service, IPAddress.Parse("10.244.1.3"), active: 0, inactive: 0);
        Assert.Equal(["delete-destination tcp 10.96.0.10:80 -> 10.244.1.3:8080"], Sync("rr", down));
        Assert.DoesNotContain("10.244.1.3", kernel.Dump());
    }

    [Fact]
    public void UdpRealServersAndIdleTcpOnesAreDeletedAtOnce()
    {
        Sync("rr", Port("dns", "10.96.0.53", 53, 0, L4Protocol.Udp, "10.244.1.5", "10.244.1.6"), Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2", "10.244.1.3"));

        var operations = Sync("rr", Port("dns", "10.96.0.53", 53, 0, L4Protocol.Udp, "10.244.1.5"), Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2"));

        Assert.Equal(
            ["delete-destination udp 10.96.0.53:53 -> 10.244.1.6:8080", "delete-destination tcp 10.96.0.10:80 -> 10.244.1.3:8080"],
            operations.Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public void ADeletedServiceTakesItsVirtualServersWithIt()
    {
        Sync("rr", Port("web", "10.96.0.10", 80, 30080, L4Protocol.Tcp, "10.244.1.2"), Port("db", "10.96.0.11", 5432, 0, L4Protocol.Tcp, "10.244.1.9"));

        var operations = Sync("rr", Port("db", "10.96.0.11", 5432, 0, L4Protocol.Tcp, "10.244.1.9"));

        Assert.Equal(["delete-service tcp 10.96.0.10:80", "delete-service tcp 192.0.2.1:30080"], operations.Order(StringComparer.Ordinal));
        Assert.Equal(Head + "TCP  10.96.0.11:5432 rr\n  -> 10.244.1.9:8080              Masq    1      0          0\n", kernel.Dump());
    }

    [Fact]
    public void ASchedulerChangeUpdatesTheVirtualServerInPlace()
    {
        Sync("rr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2"));

        Assert.Equal(["update-service tcp 10.96.0.10:80 wrr"], Sync("wrr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2")));
        Assert.Contains("TCP  10.96.0.10:80 wrr\n  -> 10.244.1.2:8080", kernel.Dump());
    }

    [Fact]
    public void AnAffinityChangeUpdatesTheVirtualServer_SpelledAsIpvsadmsPersistence()
    {
        var web = Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2");
        Sync("rr", web);

        Assert.Equal(["update-service tcp 10.96.0.10:80 rr -p 600"], Sync("rr", web with { Affinity = new ClientIPAffinity(600) }));
        Assert.Empty(Sync("rr", web with { Affinity = new ClientIPAffinity(600) }));
        Assert.Equal(["update-service tcp 10.96.0.10:80 rr"], Sync("rr", web));
    }

    [Fact]
    public void AForeignVirtualServerIsLeftAlone()
    {
        var foreign = new IpvsVirtualServer(IPAddress.Parse("198.51.100.7"), L4Protocol.Tcp, 443, "lc");
        kernel.AddService(foreign);
        kernel.AddDestination(foreign, new IpvsRealServer(IPAddress.Parse("198.51.100.8"), 443, 3));

        Sync("rr", Port("web", "10.96.0.10", 80, 0, L4Protocol.Tcp, "10.244.1.2"));
        Sync("rr");

        Assert.Equal(Head + "TCP  198.51.100.7:443 lc\n  -> 198.51.100.8:443             Masq    3      0          0\n", kernel.Dump());
    }
}
