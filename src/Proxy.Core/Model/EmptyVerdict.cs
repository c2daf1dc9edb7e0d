namespace Proxy.Core.Model;

/// <summary>
/// What happens to a new connection whose traffic's endpoint set is empty: <see cref="Reject"/> (ICMP port
/// unreachable at once) when the service has no usable endpoint anywhere, <see cref="Drop"/> when a Local traffic
/// policy finds none on this node but the service has some elsewhere (upstream: "has no local endpoints").
/// </summary>
public enum EmptyVerdict
{
    Reject,
    Drop,
}
