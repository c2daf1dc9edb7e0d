using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// Which traffic to service IPs is source-NATed. <see cref="All"/> is upstream's --masquerade-all;
/// otherwise traffic from outside <see cref="ClusterCidr"/> is (when a cluster CIDR is known).
/// Traffic to node ports and hairpin traffic are masqueraded whatever this says.
/// </summary>
public sealed record MasqueradePolicy(bool All, IPNetwork? ClusterCidr)
{
    public static MasqueradePolicy None { get; } = new(false, null);
}
