using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>A virtual server the model wants, with its real servers (weight 1 each, as upstream).</summary>
public sealed record IpvsDesiredService(IpvsVirtualServer Service, EquatableArray<IpvsRealServer> Destinations)
{
    /// <summary>
    /// The model in IPVS terms, as upstream's ipvs proxier lays it out: one virtual server for the cluster IP with the
    /// internal route's endpoints; one per external IP, per load-balancer IP and per node-port address with the external
    /// route's. Session affinity makes each of them persistent with the affinity's timeout. A port without endpoints
    /// keeps its virtual servers with no real servers (IPVS answers ICMP port unreachable: REJECT).
    /// </summary>
    /// <param name="nodePortAddresses">The addresses node ports are served on, already of this family.</param>
    public static List<IpvsDesiredService> From(ProxyState state, string scheduler, IReadOnlyList<IPAddress> nodePortAddresses)
    {
        var result = new List<IpvsDesiredService>();
        var schedulerFlags = IpvsVirtualServer.FlagsFor(scheduler);
        foreach (var port in state.Services)
        {
            var (flags, timeout) = port.Affinity is { } affinity
                ? (schedulerFlags | IpvsVirtualServer.PersistentFlag, (uint)affinity.TimeoutSeconds)
                : (schedulerFlags, 0u);
            IpvsDesiredService On(IPAddress address, int number, EquatableArray<IpvsRealServer> destinations) =>
                new(new IpvsVirtualServer(address, port.Protocol, number, scheduler, flags, timeout), destinations);

            result.Add(On(port.ClusterIP, port.Port, RealServers(port, port.Internal)));
            var external = RealServers(port, port.External);
            result.AddRange(port.ExternalIPs.Concat(port.LoadBalancerIPs).Distinct().Select(a => On(a, port.Port, external)));
            if (port.NodePort != 0)
            {
                result.AddRange(nodePortAddresses.Select(a => On(a, port.NodePort, external)));
            }
        }
        // A destination two ports claim is the reconciler's to settle; should one slip through, the first keeps it.
        return [.. result.DistinctBy(d => (d.Service.Address, d.Service.Protocol, d.Service.Port))];
    }

    /// <summary>
    /// The real servers of one route. A Local route that finds no local endpoint falls back to the cluster set, as
    /// upstream's ipvs proxier does (kubernetes#97081: pods of this node keep reaching the service), where iptables and
    /// nftables modes drop: IPVS has no per-virtual-server drop, and operators moving off upstream's ipvs mode expect
    /// its behaviour. The route's <see cref="TrafficRoute.WhenEmpty"/> is therefore not spelled here.
    /// </summary>
    private static EquatableArray<IpvsRealServer> RealServers(ServicePort port, TrafficRoute route)
    {
        var endpoints = port.EndpointsOf(route);
        if (endpoints.Count == 0 && route.Endpoints == EndpointSetKind.Local)
        {
            endpoints = port.ClusterEndpoints;
        }
        return endpoints.Select(e => new IpvsRealServer(e.Address, e.Port, 1)).ToEquatableArray();
    }
}
