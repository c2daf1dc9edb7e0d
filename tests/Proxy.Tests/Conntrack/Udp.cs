using System.Net;
using System.Net.Sockets;
using Proxy.Core.Model;
using Proxy.Netlink.Conntrack;

namespace Proxy.Tests.Conntrack;

/// <summary>Short spellings for conntrack tables: UDP service ports of the model and UDP flows of the kernel.</summary>
internal static class Udp
{
    private static int nextId = 100;

    /// <summary>A UDP service port ns/name:p at <paramref name="clusterIP"/>:<paramref name="port"/> served by <paramref name="serving"/> ("ip:port,ip:port").</summary>
    public static ServicePort Port(string name, string clusterIP, int port, string serving = "", int nodePort = 0, string externalIPs = "", string loadBalancerIPs = "", L4Protocol protocol = L4Protocol.Udp) =>
        new(new ServicePortName("ns", name, "p", protocol), IPAddress.Parse(clusterIP), port)
        {
            NodePort = nodePort,
            ExternalIPs = Addresses(externalIPs),
            LoadBalancerIPs = Addresses(loadBalancerIPs),
            ServingEndpoints = serving.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(e => IPEndPoint.Parse(e))
                .Select(e => new Endpoint(e.Address, e.Port, false))
                .Order()
                .ToEquatableArray(),
        };

    /// <summary>
    /// A flow as "client → destination ← answered-by": the client's packets went to <paramref name="destination"/>
    /// and its replies come from <paramref name="answeredBy"/> (the endpoint it was DNATed to, or the destination
    /// itself when it was not DNATed). Each flow gets an id of its own, as the kernel gives.
    /// </summary>
    public static ConntrackFlow Flow(string client, string destination, string answeredBy, ProtocolType protocol = ProtocolType.Udp)
    {
        var from = IPEndPoint.Parse(client);
        var to = IPEndPoint.Parse(destination);
        var by = IPEndPoint.Parse(answeredBy);
        return new ConntrackFlow(
            from.AddressFamily,
            protocol,
            new ConntrackTuple(from.Address, to.Address, (ushort)from.Port, (ushort)to.Port),
            new ConntrackTuple(by.Address, from.Address, (ushort)by.Port, (ushort)from.Port))
        {
            Id = (uint)Interlocked.Increment(ref nextId),
        };
    }

    private static EquatableArray<IPAddress> Addresses(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToEquatableArray();
}
