using System.Net;
using System.Net.Sockets;
using Proxy.Core.Model;
using Proxy.Netlink.Conntrack;

namespace Proxy.Conntrack;

/// <summary>
/// Pure: upstream's CleanStaleEntries decision (pkg/proxy/conntrack/cleanup.go). A UDP flow is stale when it was sent
/// to a service destination and its reply does not come from a serving endpoint of that service port:
/// <list type="bullet">
/// <item>cluster IP, external IPs and load-balancer IPs are matched with the port (orig-dst:orig-port-dst); node ports
/// by port alone (orig-port-dst), on whatever address the flow reached;</item>
/// <item>"serving endpoint" is the reply source with its port (reply-src:reply-port-src) among
/// <see cref="ServicePort.ServingEndpoints"/>, so a flow still DNATed to a replaced pod, or never DNATed at all (its
/// reply comes from the service address itself: it reached the node before the rules did), is stale;</item>
/// <item>a port with no serving endpoint keeps none of its flows (kubernetes#139629), except by node port, which would
/// match every flow to that port number anywhere, not only to this node;</item>
/// <item>destinations of deleted UDP service ports keep none of theirs (kubernetes#141371), unless a current service
/// port has the same destination, which then decides.</item>
/// </list>
/// Only UDP: a TCP connection to a gone endpoint is reset or times out on its own, as upstream reasons.
/// </summary>
internal static class StaleFlows
{
    public static List<ConntrackFlow> Find(IEnumerable<ConntrackFlow> flows, IEnumerable<ServicePort> current, IEnumerable<ServicePort> deleted)
    {
        var byAddress = new Dictionary<(IPAddress, int), HashSet<(IPAddress, int)>>();
        var byNodePort = new Dictionary<int, HashSet<(IPAddress, int)>>();
        foreach (var gone in deleted.Where(p => p.Protocol == L4Protocol.Udp))
        {
            foreach (var address in Addresses(gone))
            {
                byAddress[(address, gone.Port)] = [];
            }
        }
        foreach (var port in current.Where(p => p.Protocol == L4Protocol.Udp))
        {
            var serving = port.ServingEndpoints.Select(e => (e.Address, e.Port)).ToHashSet();
            foreach (var address in Addresses(port))
            {
                byAddress[(address, port.Port)] = serving;
            }
            if (port.NodePort != 0 && serving.Count > 0)
            {
                byNodePort[port.NodePort] = serving;
            }
        }

        var stale = new List<ConntrackFlow>();
        foreach (var flow in flows.Where(f => f.Protocol == ProtocolType.Udp))
        {
            var answeredBy = (flow.Reply.Source, (int)flow.Reply.SourcePort);
            if ((byAddress.TryGetValue((flow.Original.Destination, flow.Original.DestinationPort), out var serving)
                    || byNodePort.TryGetValue(flow.Original.DestinationPort, out serving))
                && !serving.Contains(answeredBy))
            {
                stale.Add(flow);
            }
        }
        return stale;
    }

    private static IEnumerable<IPAddress> Addresses(ServicePort port) => [port.ClusterIP, .. port.ExternalIPs, .. port.LoadBalancerIPs];
}
