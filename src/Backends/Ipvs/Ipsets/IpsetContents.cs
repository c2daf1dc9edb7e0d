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

    /// <param name="serviceAddresses">The addresses bound to kube-ipvs0 (KUBE-IPVS-IPS: new connections to other ports on them are rejected).</param>
    public static IpsetContents From(ProxyState state, IReadOnlyList<IPAddress> nodeAddresses, IEnumerable<IPAddress> serviceAddresses)
    {
        var family = state.Family;
        var sets = IpsetNames.For(family).ToDictionary(d => d.Name, _ => ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal));
        ImmutableHashSet<string>.Builder Set(string name) => sets[IpsetNames.Of(name, family)];
        foreach (var port in state.Services)
        {
            var protocol = port.Protocol.ToLower();
            Set(IpsetNames.ClusterIP).Add($"{port.ClusterIP},{protocol}:{port.Port}");
            // As upstream, only local endpoints: a pod can only reach itself through the service on its own node.
            foreach (var endpoint in port.ReachableEndpoints.Where(e => e.IsLocal))
            {
                Set(IpsetNames.LoopBack).Add($"{endpoint.Address},{protocol}:{endpoint.Port},{endpoint.Address}");
            }
            if (port.NodePort == 0)
            {
                continue;
            }
            switch (port.Protocol)
            {
                case L4Protocol.Tcp:
                    Set(IpsetNames.NodePortTcp).Add(port.NodePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case L4Protocol.Udp:
                    Set(IpsetNames.NodePortUdp).Add(port.NodePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    // SCTP node ports are matched per node address (hash:ip,port), as upstream.
                    foreach (var address in nodeAddresses)
                    {
                        Set(IpsetNames.NodePortSctp).Add($"{address},sctp:{port.NodePort}");
                    }
                    break;
            }
        }
        foreach (var address in serviceAddresses)
        {
            Set(IpsetNames.IpvsIps).Add(address.ToString());
        }
        return new IpsetContents(family, sets.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable(), StringComparer.Ordinal));
    }

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
