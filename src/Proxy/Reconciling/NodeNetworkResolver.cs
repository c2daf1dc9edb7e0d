using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// Decides, per family, how this node recognises its pods' traffic and where its node ports listen, as upstream's
/// server setup (NewDetectLocalByX, NewNodePortAddresses) does.
/// </summary>
internal static class NodeNetworkResolver
{
    private static readonly IPAddress Ipv4Loopback = IPAddress.Parse("127.0.0.1");

    public static NodeNetwork Resolve(IpFamily family, NodeContext node, ReconcileOptions options, ICollection<string> warnings) =>
        new(Detector(family, node, options), NodePorts(family, node, options, warnings));

    /// <summary>ClusterCIDR and NodeCIDR use the first CIDR of the family (none: no detector for it); the interface modes apply to both families.</summary>
    private static LocalTrafficDetector? Detector(IpFamily family, NodeContext node, ReconcileOptions options) => options.DetectLocalMode switch
    {
        DetectLocalMode.ClusterCIDR => First(options.ClusterCidrs, family) is { } cidr ? LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, cidr) : null,
        DetectLocalMode.NodeCIDR => First(node.PodCidrs, family) is { } cidr ? LocalTrafficDetector.FromCidr(DetectLocalMode.NodeCIDR, cidr) : null,
        DetectLocalMode.BridgeInterface when options.BridgeInterface.Length > 0 => LocalTrafficDetector.FromInterface(DetectLocalMode.BridgeInterface, options.BridgeInterface),
        DetectLocalMode.InterfaceNamePrefix when options.InterfaceNamePrefix.Length > 0 => LocalTrafficDetector.FromInterface(DetectLocalMode.InterfaceNamePrefix, options.InterfaceNamePrefix),
        _ => null,
    };

    /// <summary>
    /// upstream's NodePortAddresses: the family's CIDRs ("primary" is the node IP as a /32 or /128); a family with none,
    /// or with a zero CIDR, listens on every local address. 127.0.0.1 is a node-port address only in IPv4, only with
    /// localhostNodePorts, and only when a CIDR holds it (every-address included); ::1 never is.
    /// </summary>
    private static NodePortAddresses NodePorts(IpFamily family, NodeContext node, ReconcileOptions options, ICollection<string> warnings)
    {
        List<IPNetwork> cidrs = options.NodePortPrimary
            ? node.NodeIP(family) is { } ip && !IPAddress.IsLoopback(ip) ? [new IPNetwork(ip, family == IpFamily.IPv4 ? 32 : 128)] : []
            : [.. options.NodePortCidrs.Where(c => c.Family() == family)];
        var v4 = family == IpFamily.IPv4;
        if (cidrs.Count == 0 || cidrs.Any(c => c.PrefixLength == 0))
        {
            return NodePortAddresses.AllLocalAddresses(loopback: v4 && options.LocalhostNodePorts);
        }
        var loopback = v4 && options.LocalhostNodePorts && cidrs.Any(c => c.Contains(Ipv4Loopback));
        var addresses = new List<IPAddress>();
        foreach (var address in node.LocalAddresses.Where(a => a.Family() == family && cidrs.Any(c => c.Contains(a))).Distinct().Order(AddressOrder.Instance))
        {
            if (IPAddress.IsLoopback(address) && !loopback)
            {
                warnings.Add(v4
                    ? $"--nodeport-addresses includes {address}, but iptables.localhostNodePorts is off in this mode: no node port listens there"
                    : $"--nodeport-addresses includes {address}, but node ports never listen on IPv6 loopback");
                continue;
            }
            addresses.Add(address);
        }
        return NodePortAddresses.Only(addresses, loopback);
    }

    private static IPNetwork? First(IEnumerable<IPNetwork> cidrs, IpFamily family) =>
        cidrs.Where(c => c.Family() == family).Select(c => (IPNetwork?)c).FirstOrDefault();

    /// <summary>Byte order, so the model (and every rendering) lists addresses the same way at every sync.</summary>
    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) => x!.GetAddressBytes().AsSpan().SequenceCompareTo(y!.GetAddressBytes());
    }
}
