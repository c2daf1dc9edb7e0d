using System.Net.Sockets;
using Proxy.Conntrack;
using Proxy.Core.Model;
using Proxy.Netlink.Conntrack;
using static Proxy.Tests.Conntrack.Udp;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// Reconciler tables, upstream's CleanStaleEntries: the flows in the kernel and the desired state in, the flows to
/// delete out. Each flow's client (its source) names it. The DNS service is 10.96.0.10:53, served by 10.244.1.5:53.
/// </summary>
public class StaleFlowsTests
{
    private sealed record Row(ServicePort[] Current, ServicePort[] Deleted, ConntrackFlow[] Flows, string[] Stale);

    private static readonly ServicePort Dns = Port("dns", "10.96.0.10", 53, "10.244.1.5:53");

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["a flow DNATed to a serving endpoint stays"] = new(
            [Dns], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53")], []),
        ["a flow still DNATed to a replaced endpoint goes"] = new(
            [Dns], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.9.9:53"), Flow("10.0.0.2:40000", "10.96.0.10:53", "10.244.1.5:53")], ["10.0.0.1:40000"]),
        ["a flow that reached the cluster IP before its rules (answered by the cluster IP itself) goes"] = new(
            [Dns], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.96.0.10:53")], ["10.0.0.1:40000"]),
        ["the endpoint's port counts: the same pod on another port is not the endpoint"] = new(
            [Dns], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:5353")], ["10.0.0.1:40000"]),
        ["a serving endpoint that is terminating or elsewhere (in ServingEndpoints) keeps its flows"] = new(
            [Port("dns", "10.96.0.10", 53, "10.244.1.5:53,10.244.2.7:53")], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.2.7:53")], []),
        ["external IPs and load-balancer IPs are judged as the cluster IP"] = new(
            [Port("dns", "10.96.0.10", 53, "10.244.1.5:53", externalIPs: "203.0.113.7", loadBalancerIPs: "198.51.100.9")],
            [],
            [
                Flow("192.0.2.50:1000", "203.0.113.7:53", "10.244.9.9:53"),
                Flow("192.0.2.50:1001", "198.51.100.9:53", "198.51.100.9:53"),
                Flow("192.0.2.50:1002", "198.51.100.9:53", "10.244.1.5:53"),
            ],
            ["192.0.2.50:1000", "192.0.2.50:1001"]),
        ["a node port is matched by port alone, on whatever address the flow reached"] = new(
            [Port("dns", "10.96.0.10", 53, "10.244.1.5:53", nodePort: 30053)],
            [],
            [
                Flow("192.0.2.50:1000", "192.0.2.1:30053", "10.244.9.9:53"),
                Flow("192.0.2.50:1001", "192.0.2.1:30053", "192.0.2.1:30053"),
                Flow("192.0.2.50:1002", "192.0.2.1:30053", "10.244.1.5:53"),
            ],
            ["192.0.2.50:1000", "192.0.2.50:1001"]),
        ["a port with no serving endpoint keeps none of its flows (kubernetes#139629)"] = new(
            [Port("dns", "10.96.0.10", 53)], [], [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53")], ["10.0.0.1:40000"]),
        ["but its node port keeps them: a port number alone would catch flows that are not the node's"] = new(
            [Port("dns", "10.96.0.10", 53, nodePort: 30053)], [], [Flow("192.0.2.50:1000", "192.0.2.1:30053", "10.244.1.5:53")], []),
        ["a deleted service's flows go (kubernetes#141371), except by node port"] = new(
            [],
            [Port("dns", "10.96.0.10", 53, "10.244.1.5:53", nodePort: 30053, externalIPs: "203.0.113.7")],
            [
                Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.1.5:53"),
                Flow("192.0.2.50:1000", "203.0.113.7:53", "10.244.1.5:53"),
                Flow("192.0.2.50:1001", "192.0.2.1:30053", "10.244.1.5:53"),
            ],
            ["10.0.0.1:40000", "192.0.2.50:1000"]),
        ["a deleted service's destination taken by a current one: the current one decides"] = new(
            [Port("dns-2", "10.96.0.10", 53, "10.244.3.3:53")],
            [Dns],
            [Flow("10.0.0.1:40000", "10.96.0.10:53", "10.244.3.3:53"), Flow("10.0.0.2:40000", "10.96.0.10:53", "10.244.1.5:53")],
            ["10.0.0.2:40000"]),
        ["each UDP port of a cluster IP keeps its own endpoints"] = new(
            [Dns, Port("mdns", "10.96.0.10", 5353, "10.244.4.4:5353")],
            [],
            [Flow("10.0.0.1:40000", "10.96.0.10:5353", "10.244.4.4:5353"), Flow("10.0.0.2:40000", "10.96.0.10:5353", "10.244.1.5:53")],
            ["10.0.0.2:40000"]),
        ["a flow to a port the service does not have, or to no service, stays"] = new(
            [Dns],
            [],
            [Flow("10.0.0.1:40000", "10.96.0.10:54", "10.96.0.10:54"), Flow("10.0.0.2:40000", "8.8.8.8:53", "8.8.8.8:53")],
            []),
        ["only UDP: TCP services and TCP flows are never touched"] = new(
            [Port("web", "10.96.0.20", 80, protocol: L4Protocol.Tcp), Dns],
            [],
            [Flow("10.0.0.1:40000", "10.96.0.20:80", "10.244.9.9:80", ProtocolType.Tcp), Flow("10.0.0.2:40000", "10.96.0.10:53", "10.244.9.9:53", ProtocolType.Tcp)],
            []),
        ["IPv6 alike"] = new(
            [Port("dns", "fd00::a", 53, "[fd00:244::5]:53")],
            [],
            [Flow("[fd00::1]:40000", "[fd00::a]:53", "[fd00:244::9]:53"), Flow("[fd00::2]:40000", "[fd00::a]:53", "[fd00:244::5]:53")],
            ["[fd00::1]:40000"]),
    };

    public static TheoryData<string> Cases => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void StaleFlowsAreTheOnesUpstreamDeletes(string why)
    {
        var row = Rows[why];

        var stale = StaleFlows.Find(row.Flows, row.Current, row.Deleted);

        Assert.Equal(row.Stale, stale.Select(f => new System.Net.IPEndPoint(f.Original.Source, f.Original.SourcePort).ToString()));
    }
}
