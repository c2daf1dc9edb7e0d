using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// Node-wide settings that shape the model: --masquerade-all, --cluster-cidr (at most one CIDR per family,
/// comma-separated on the command line as upstream), --detect-local-mode and its interface flags,
/// --nodeport-addresses, and iptables.localhostNodePorts (true only in the mode that has it). Compares by value.
/// </summary>
public sealed record ReconcileOptions(bool MasqueradeAll, EquatableArray<IPNetwork> ClusterCidrs)
{
    public static ReconcileOptions Default { get; } = new(false, EquatableArray<IPNetwork>.Empty);

    public DetectLocalMode DetectLocalMode { get; init; } = DetectLocalMode.ClusterCIDR;

    /// <summary>--pod-bridge-interface, for <see cref="DetectLocalMode.BridgeInterface"/>.</summary>
    public string BridgeInterface { get; init; } = "";

    /// <summary>--pod-interface-name-prefix, for <see cref="DetectLocalMode.InterfaceNamePrefix"/>.</summary>
    public string InterfaceNamePrefix { get; init; } = "";

    /// <summary>--nodeport-addresses as CIDRs; empty (and not <see cref="NodePortPrimary"/>): every local address.</summary>
    public EquatableArray<IPNetwork> NodePortCidrs { get; init; } = EquatableArray<IPNetwork>.Empty;

    /// <summary>--nodeport-addresses=primary: the node's primary IP of each family.</summary>
    public bool NodePortPrimary { get; init; }

    /// <summary>iptables.localhostNodePorts in iptables mode: IPv4 node ports also answer on 127.0.0.1 when it is a node-port address.</summary>
    public bool LocalhostNodePorts { get; init; }
}
