namespace Proxy.Core.Model;

/// <summary>
/// How one kind of traffic to a service port is served: internal (to the cluster IP) or external (to the node port,
/// external IPs and load-balancer IPs). Decided by the reconciler; backends only spell it.
/// </summary>
/// <param name="Endpoints">Which endpoint set serves it.</param>
/// <param name="Masquerade">Which of its packets are masqueraded.</param>
/// <param name="WhenEmpty">The verdict for new connections when that set is empty.</param>
public sealed record TrafficRoute(EndpointSetKind Endpoints, MasqueradeRule Masquerade, EmptyVerdict WhenEmpty)
{
    /// <summary>Internal traffic of a Cluster-policy service with no local-traffic detector: the cluster set, unmasqueraded.</summary>
    public static TrafficRoute Cluster { get; } = new(EndpointSetKind.Cluster, MasqueradeRule.None, EmptyVerdict.Reject);

    /// <summary>External traffic of a Cluster-policy service: the cluster set, always masqueraded (it may cross nodes).</summary>
    public static TrafficRoute ClusterMasqueraded { get; } = new(EndpointSetKind.Cluster, MasqueradeRule.All, EmptyVerdict.Reject);

    /// <summary>
    /// External traffic of an externalTrafficPolicy: Local service only: traffic from this node's pods (as the node's
    /// <see cref="LocalTrafficDetector"/> recognises it) bypasses the policy and goes to the cluster set unmasqueraded,
    /// as if it had gone out to the load balancer and come back. False when the family has no detector.
    /// </summary>
    public bool PodsUseClusterSet { get; init; }

    /// <summary>
    /// External traffic of an externalTrafficPolicy: Local service only: traffic from the node itself goes to the
    /// cluster set, masqueraded (its source is a node address, possibly the load-balancer IP itself).
    /// </summary>
    public bool NodeUsesClusterSet { get; init; }
}
