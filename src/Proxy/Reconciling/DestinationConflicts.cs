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
    /// <summary>
    /// What is left of each port of <paramref name="ports"/>, in their order (null: the port lost its cluster IP), and a
    /// warning per lost destination in the order the claims were decided (oldest Service first), each with the index of
    /// the port that lost. Claims interact only through a shared destination (<see cref="Claims"/>), so any set of
    /// ports that shares none with the others can be resolved on its own, with the same outcome.
    /// </summary>
    public static Resolution Resolve(IReadOnlyList<ServicePort> ports, IReadOnlyDictionary<(string, string), DateTime?> created)
    {
        DateTime? Created(ServicePort port) => created.GetValueOrDefault((port.Name.Namespace, port.Name.Name));
        var byAge = ports.Select((port, index) => (port, index)).ToList();
        byAge.Sort((a, b) => CompareAge(Created(a.port), a.port.Name, Created(b.port), b.port.Name) is var c && c != 0 ? c : a.index.CompareTo(b.index));
        var owners = new Dictionary<Destination, ServicePortName>();
        var kept = new ServicePort?[ports.Count];
        var warnings = new List<(int, string)>();
        foreach (var (port, index) in byAge)
        {
            bool Take(Destination key, string what) => Claim(owners, key, port, what, index, warnings);
            if (!Take(new(port.ClusterIP, port.Port, port.Protocol), "cluster IP"))
            {
                continue;
            }
            var externalIPs = port.ExternalIPs.Where(ip => Take(new(ip, port.Port, port.Protocol), "external IP")).ToList();
            var loadBalancerIPs = port.LoadBalancerIPs.Where(ip => Take(new(ip, port.Port, port.Protocol), "load-balancer IP")).ToList();
            var nodePort = port.NodePort != 0 && !Take(new(null, port.NodePort, port.Protocol), "node port") ? 0 : port.NodePort;
            // Only a port that lost something is rebuilt: the others stay the very same objects, sync after sync.
            var lost = externalIPs.Count != port.ExternalIPs.Count || loadBalancerIPs.Count != port.LoadBalancerIPs.Count || nodePort != port.NodePort;
            kept[index] = lost ? port with { ExternalIPs = externalIPs.ToEquatableArray(), LoadBalancerIPs = loadBalancerIPs.ToEquatableArray(), NodePort = nodePort } : port;
        }
        return new Resolution(kept, warnings);
    }

    /// <summary>
    /// Which of two Services is older, and so keeps a destination both claim: creationTimestamp (none counts as the
    /// youngest), then namespace, then name. Negative when <paramref name="a"/> is older.
    /// </summary>
    public static int CompareAge(DateTime? aCreated, ServicePortName a, DateTime? bCreated, ServicePortName b)
    {
        var c = (aCreated ?? DateTime.MaxValue).CompareTo(bCreated ?? DateTime.MaxValue);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Namespace, b.Namespace);
        }
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>Every destination <paramref name="port"/> claims, granted or not (the same ones <see cref="Resolve"/> decides).</summary>
    public static IEnumerable<Destination> Claims(ServicePort port)
    {
        yield return new(port.ClusterIP, port.Port, port.Protocol);
        foreach (var ip in port.ExternalIPs)
        {
            yield return new(ip, port.Port, port.Protocol);
        }
        foreach (var ip in port.LoadBalancerIPs)
        {
            yield return new(ip, port.Port, port.Protocol);
        }
        if (port.NodePort != 0)
        {
            yield return new(null, port.NodePort, port.Protocol);
        }
    }

    /// <returns>Whether <paramref name="port"/> gets the destination (it is free, or already its own service's).</returns>
    private static bool Claim(Dictionary<Destination, ServicePortName> owners, Destination key, ServicePort port, string what, int index, List<(int, string)> warnings)
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
        warnings.Add((index, $"Service {port.Name.Namespace}/{port.Name.Name}: {destination} is already Service {owner.Namespace}/{owner.Name}'s (the older claim wins); "
            + (what == "cluster IP" ? $"port \"{port.Name.PortName}\" skipped" : "that destination is left out")));
        return false;
    }

    /// <summary>An IP (none for a node port), a port and a protocol: what one Service at most may have.</summary>
    public readonly record struct Destination(IPAddress? Address, int Port, L4Protocol Protocol);

    /// <param name="Kept">Per port, in input order: what is left of it, or null when it lost its cluster IP.</param>
    /// <param name="Warnings">Each lost destination's warning, in decision order, with the index of the port that lost it.</param>
    public sealed record Resolution(IReadOnlyList<ServicePort?> Kept, List<(int Port, string Text)> Warnings);
}
