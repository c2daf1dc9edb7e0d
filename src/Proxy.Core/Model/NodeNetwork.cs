namespace Proxy.Core.Model;

/// <summary>What one family's state says about the node itself: how its pods' traffic is recognised, where node ports listen.</summary>
public sealed record NodeNetwork(LocalTrafficDetector? LocalDetector, NodePortAddresses NodePorts)
{
    /// <summary>No detector, node ports on every non-loopback local address.</summary>
    public static NodeNetwork Default { get; } = new(null, NodePortAddresses.AllLocalAddresses(loopback: false));
}
