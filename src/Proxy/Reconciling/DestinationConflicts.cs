using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// Two Services claiming one destination (the same IP, port and protocol, or the same node port and protocol) cannot
/// both be served: the kernel would pick whichever rule came first. The oldest Service (creationTimestamp, then
/// namespace/name) keeps it; the other loses that destination only — a cluster IP conflict drops its port, an
/// external or load-balancer IP or a node port is removed from it — with one warning naming both Services.
/// </summary>
internal static class DestinationConflicts
{
    public static List<ServicePort> Resolve(List<ServicePort> ports, IReadOnlyDictionary<(string, string), DateTime?> created, List<string> warnings)
    {
        var byAge = ports
            .Select((port, index) => (port, index))
            .OrderBy(p => created.GetValueOrDefault((p.port.Name.Namespace, p.port.Name.Name)) ?? DateTime.MaxValue)
            .ThenBy(p => p.port.Name.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.port.Name.Name, StringComparer.Ordinal)
            .ThenBy(p => p.index)
            .ToList();
        var owners = new Dictionary<(IPAddress?, int, L4Protocol), ServicePortName>();
        var kept = new List<(ServicePort Port, int Index)>(ports.Count);
        foreach (var (port, index) in byAge)
        {
            if (Claim(owners, (port.ClusterIP, port.Port, port.Protocol), port, "cluster IP", warnings) is false)
            {
                continue;
            }
            var externalIPs = port.ExternalIPs.Where(ip => Claim(owners, (ip, port.Port, port.Protocol), port, "external IP", warnings)).ToList();
            var loadBalancerIPs = port.LoadBalancerIPs.Where(ip => Claim(owners, (ip, port.Port, port.Protocol), port, "load-balancer IP", warnings)).ToList();
            var nodePort = port.NodePort != 0 && !Claim(owners, (null, port.NodePort, port.Protocol), port, "node port", warnings) ? 0 : port.NodePort;
            // Only a port that lost something is rebuilt: the others stay the very same objects, sync after sync.
            var lost = externalIPs.Count != port.ExternalIPs.Count || loadBalancerIPs.Count != port.LoadBalancerIPs.Count || nodePort != port.NodePort;
            kept.Add((lost ? port with { ExternalIPs = externalIPs.ToEquatableArray(), LoadBalancerIPs = loadBalancerIPs.ToEquatableArray(), NodePort = nodePort } : port, index));
        }
        return [.. kept.OrderBy(k => k.Index).Select(k => k.Port)];
    }

    /// <returns>Whether <paramref name="port"/> gets the destination (it is free, or already its own service's).</returns>
    private static bool Claim(Dictionary<(IPAddress?, int, L4Protocol), ServicePortName> owners, (IPAddress? Address, int Port, L4Protocol Protocol) key, ServicePort port, string what, List<string> warnings)
    {
        if (!owners.TryGetValue(key, out var owner))
        {
            owners[key] = port.Name;
            return true;
        }
        if (owner.Namespace == port.Name.Namespace && owner.Name == port.Name.Name)
        {
            return true;
        }
        var destination = key.Address is null ? $"node port {key.Port}/{key.Protocol.ToKubernetes()}" : $"{what} {new IPEndPoint(key.Address, key.Port)}/{key.Protocol.ToKubernetes()}";
        warnings.Add($"Service {port.Name.Namespace}/{port.Name.Name}: {destination} is already Service {owner.Namespace}/{owner.Name}'s (the older claim wins); "
            + (what == "cluster IP" ? $"port \"{port.Name.PortName}\" skipped" : "that destination is left out"));
        return false;
    }
}
