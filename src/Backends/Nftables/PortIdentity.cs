using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Service ports by value, hashed by identity only (name and cluster IP): a ruleset looks each port up at every sync,
/// and two versions of one port differ in a field the full record equality still compares.
/// </summary>
internal sealed class PortIdentity : IEqualityComparer<ServicePort>
{
    public static readonly PortIdentity Instance = new();

    public bool Equals(ServicePort? x, ServicePort? y) => ReferenceEquals(x, y) || (x is not null && x.Equals(y));

    public int GetHashCode(ServicePort port) => HashCode.Combine(port.Name.Name, port.Name.Namespace, port.Name.PortName, port.Port, port.ClusterIP);
}
