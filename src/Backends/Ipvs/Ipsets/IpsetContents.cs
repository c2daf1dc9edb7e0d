using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// What every ipset of one family must hold, entries spelled as <c>ipset save</c> prints them (so that what was
/// applied and what the kernel shows compare as text). Pure.
/// </summary>
public sealed class IpsetContents
{
    private IpsetContents(IpFamily family, ImmutableDictionary<string, ImmutableHashSet<string>> sets)
    {
        Family = family;
        Sets = sets;
    }

    public IpFamily Family { get; }

    /// <summary>Set name → entries, for every set of <see cref="IpsetNames.For"/> (empty ones included).</summary>
    public ImmutableDictionary<string, ImmutableHashSet<string>> Sets { get; }

    /// <param name="nodePortAddresses">The addresses node ports are served on (SCTP node ports are matched per address).</param>
    /// <param name="serviceAddresses">The addresses bound to kube-ipvs0 (KUBE-IPVS-IPS: new connections to other ports on them are rejected).</param>
    public static IpsetContents From(ProxyState state, IReadOnlyList<IPAddress> nodePortAddresses, IEnumerable<IPAddress> serviceAddresses)
    {
        var family = state.Family;
        var sets = IpsetNames.For(family).ToDictionary(d => d.Name, _ => ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal));
        ImmutableHashSet<string>.Builder Set(string name) => sets[IpsetNames.Of(name, family)];
        foreach (var port in state.Services)
        {
            var protocol = port.Protocol.ToLower();
            var portPart = $"{protocol}:{port.Port}";
            Set(IpsetNames.ClusterIP).Add($"{port.ClusterIP},{portPart}");
            // As upstream, only local endpoints: a pod can only reach itself through the service on its own node.
            foreach (var endpoint in port.ReachableEndpoints.Where(e => e.IsLocal))
            {
                Set(IpsetNames.LoopBack).Add($"{endpoint.Address},{protocol}:{endpoint.Port},{endpoint.Address}");
            }
            // The *-LOCAL sets hold external destinations whose traffic keeps its source (upstream: externalTrafficPolicy
            // Local); the model says which, in the external route's masquerade.
            var keepsSource = port.External.Masquerade == MasqueradeRule.None;
            foreach (var address in port.ExternalIPs)
            {
                Set(keepsSource ? IpsetNames.ExternalIPLocal : IpsetNames.ExternalIP).Add($"{address},{portPart}");
            }
            foreach (var address in port.LoadBalancerIPs)
            {
                AddLoadBalancer(port, address, portPart, keepsSource, Set);
            }
            if (port.HealthCheckNodePort != 0)
            {
                Set(IpsetNames.HealthCheckNodePort).Add(Number(port.HealthCheckNodePort));
            }
            if (port.NodePort == 0)
            {
                continue;
            }
            var (all, local, entries) = port.Protocol switch
            {
                L4Protocol.Tcp => (IpsetNames.NodePortTcp, IpsetNames.NodePortLocalTcp, new List<string> { Number(port.NodePort) }),
                L4Protocol.Udp => (IpsetNames.NodePortUdp, IpsetNames.NodePortLocalUdp, new List<string> { Number(port.NodePort) }),
                // SCTP node ports are matched per node address (hash:ip,port), as upstream.
                _ => (IpsetNames.NodePortSctp, IpsetNames.NodePortLocalSctp, nodePortAddresses.Select(a => $"{a},sctp:{port.NodePort}").ToList()),
            };
            Set(all).UnionWith(entries);
            if (keepsSource)
            {
                Set(local).UnionWith(entries);
            }
        }
        foreach (var address in serviceAddresses)
        {
            Set(IpsetNames.IpvsIps).Add(address.ToString());
        }
        return new IpsetContents(family, sets.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable(), StringComparer.Ordinal));
    }

    /// <summary>
    /// One load-balancer IP: KUBE-LOAD-BALANCER, its -LOCAL twin, and with source ranges the firewall set and the
    /// admitted sources. The model's ranges end with the load-balancer IPs themselves when a range holds the node's
    /// IP; those go to KUBE-LOAD-BALANCER-SOURCE-IP (ip,port,ip), as upstream's allowFromNode, the rest to -SOURCE-CIDR.
    /// </summary>
    private static void AddLoadBalancer(ServicePort port, IPAddress address, string portPart, bool keepsSource, Func<string, ImmutableHashSet<string>.Builder> set)
    {
        var entry = $"{address},{portPart}";
        set(IpsetNames.LoadBalancer).Add(entry);
        if (keepsSource)
        {
            set(IpsetNames.LoadBalancerLocal).Add(entry);
        }
        if (port.LoadBalancerSourceRanges.Count == 0)
        {
            return;
        }
        set(IpsetNames.LoadBalancerFirewall).Add(entry);
        var hostBits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        foreach (var range in port.LoadBalancerSourceRanges.SelectMany(Halves))
        {
            var isHost = range.PrefixLength == hostBits;
            if (isHost && port.LoadBalancerIPs.Contains(range.BaseAddress))
            {
                set(IpsetNames.LoadBalancerSourceIP).Add($"{entry},{range.BaseAddress}");
            }
            else
            {
                // As ipset save prints it: a host network without its prefix length.
                set(IpsetNames.LoadBalancerSourceCidr).Add($"{entry},{(isHost ? range.BaseAddress.ToString() : range.ToString())}");
            }
        }
    }

    /// <summary>ipset's hash:*,net types refuse a prefix of 0: "every source" is written as its two halves (/1 each).</summary>
    private static IEnumerable<IPNetwork> Halves(IPNetwork range)
    {
        if (range.PrefixLength != 0)
        {
            return [range];
        }
        var upper = range.BaseAddress.GetAddressBytes();
        upper[0] = 0x80;
        return [new IPNetwork(range.BaseAddress, 1), new IPNetwork(new IPAddress(upper), 1)];
    }

    private static string Number(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The node ports (protocol, port) these sets record as ours; read back from the kernel after a restart, they tell
    /// which virtual servers on node addresses an earlier run made.
    /// </summary>
    public static HashSet<(L4Protocol, int)> NodePorts(IpFamily family, IReadOnlyDictionary<string, HashSet<string>> sets)
    {
        var result = new HashSet<(L4Protocol, int)>();
        void Read(string name, L4Protocol protocol, Func<string, string> portOf)
        {
            foreach (var entry in sets.GetValueOrDefault(IpsetNames.Of(name, family)) ?? [])
            {
                if (int.TryParse(portOf(entry), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
                {
                    result.Add((protocol, port));
                }
            }
        }
        Read(IpsetNames.NodePortTcp, L4Protocol.Tcp, e => e);
        Read(IpsetNames.NodePortUdp, L4Protocol.Udp, e => e);
        Read(IpsetNames.NodePortSctp, L4Protocol.Sctp, e => e[(e.LastIndexOf(':') + 1)..]);
        return result;
    }
}
