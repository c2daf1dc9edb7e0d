namespace Proxy.Core.Model;

/// <summary>
/// The parts of the model beyond a cluster IP, a node port and the cluster set that a service port may use. A backend
/// says which it renders (<see cref="Backends.IProxyBackend.Renders"/>); the daemon warns once per service about any
/// other, so nothing a Service asks for is dropped silently.
/// </summary>
[Flags]
public enum ServiceFeatures
{
    None = 0,
    ExternalIPs = 1,
    LoadBalancerIPs = 2,
    LoadBalancerSourceRanges = 4,
    InternalTrafficPolicyLocal = 8,
    ExternalTrafficPolicyLocal = 16,
    ClientIPAffinity = 32,
    All = ExternalIPs | LoadBalancerIPs | LoadBalancerSourceRanges | InternalTrafficPolicyLocal | ExternalTrafficPolicyLocal | ClientIPAffinity,
}
