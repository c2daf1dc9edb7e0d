namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// Where upstream's own proxy modes differ, what a mode of ours does: it follows the upstream mode of the same name,
/// so an operator moving off upstream keeps the behaviour they had. Every other row expects the same of every mode.
/// </summary>
/// <param name="LocalPolicyFallsBackToClusterSet">
/// A Local traffic policy that finds no local endpoint: upstream's ipvs mode sends to the cluster set (kubernetes#97081;
/// a plain ClusterIP service with internalTrafficPolicy: Local has none, so IPVS answers port unreachable), where
/// iptables and nftables modes drop.
/// </param>
/// <param name="ExternalLocalShortCircuits">
/// Pods and the node reaching an externalTrafficPolicy: Local service's external IPs go to every endpoint (iptables and
/// nftables modes); upstream's ipvs mode gives those virtual servers only the local set, whoever the client is.
/// </param>
public sealed record ModeExpectations(bool LocalPolicyFallsBackToClusterSet, bool ExternalLocalShortCircuits)
{
    /// <summary>Upstream's iptables and nftables modes.</summary>
    public static ModeExpectations Upstream { get; } = new(LocalPolicyFallsBackToClusterSet: false, ExternalLocalShortCircuits: true);

    /// <summary>Upstream's ipvs mode (pkg/proxy/ipvs syncEndpoint).</summary>
    public static ModeExpectations UpstreamIpvs { get; } = new(LocalPolicyFallsBackToClusterSet: true, ExternalLocalShortCircuits: false);
}
