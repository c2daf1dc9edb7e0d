using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// How this node tells traffic from its own pods (--detect-local-mode): by source address (ClusterCIDR, NodeCIDR) or
/// by incoming interface (BridgeInterface: that interface; InterfaceNamePrefix: any interface whose name starts so).
/// A family without a detector gets neither off-cluster masquerading nor the pod short-circuit of Local services.
/// </summary>
public sealed record LocalTrafficDetector(DetectLocalMode Mode, IPNetwork? Cidr, string? Interface)
{
    public static LocalTrafficDetector FromCidr(DetectLocalMode mode, IPNetwork cidr) => new(mode, cidr, null);

    public static LocalTrafficDetector FromInterface(DetectLocalMode mode, string name) => new(mode, null, name);

    /// <summary>True when <see cref="Interface"/> is a name prefix rather than one interface's name.</summary>
    public bool IsPrefix => Mode == DetectLocalMode.InterfaceNamePrefix;

    public override string ToString() => Cidr is { } cidr ? $"{Mode} {cidr}" : $"{Mode} {Interface}";
}

/// <summary>upstream's detectLocalMode values.</summary>
public enum DetectLocalMode
{
    ClusterCIDR,
    NodeCIDR,
    BridgeInterface,
    InterfaceNamePrefix,
}
