using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>A virtual server the model wants, with its real servers (weight 1 each, as upstream).</summary>
public sealed record IpvsDesiredService(IpvsVirtualServer Service, EquatableArray<IpvsRealServer> Destinations)
{
    /// <summary>
    /// The model in IPVS terms: one virtual server per cluster IP and port, and one per node address for a node port;
    /// real servers are the endpoints. A port without endpoints keeps its virtual server with no real servers (its
    /// rejection is the iptables part's job, as upstream).
    /// </summary>
    public static List<IpvsDesiredService> From(ProxyState state, string scheduler, IReadOnlyList<IPAddress> nodeAddresses)
    {
        var result = new List<IpvsDesiredService>();
        var flags = IpvsVirtualServer.FlagsFor(scheduler);
        foreach (var port in state.Services)
        {
            // Until ipvs mode renders traffic policies (and warns for each service that has one), both kinds of traffic
            // use the cluster set.
            var destinations = port.ClusterEndpoints.Select(e => new IpvsRealServer(e.Address, e.Port, 1)).ToEquatableArray();
            result.Add(new IpvsDesiredService(new IpvsVirtualServer(port.ClusterIP, port.Protocol, port.Port, scheduler, flags), destinations));
            if (port.NodePort != 0)
            {
                foreach (var address in nodeAddresses.Where(a => a.AddressFamily == port.ClusterIP.AddressFamily))
                {
                    result.Add(new IpvsDesiredService(new IpvsVirtualServer(address, port.Protocol, port.NodePort, scheduler, flags), destinations));
                }
            }
        }
        return result;
    }
}
