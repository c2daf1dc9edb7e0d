using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// One backend of a service port, already chosen for this node by the reconciler.
/// <see cref="IsLocal"/> is true when the endpoint runs on this node.
/// </summary>
public sealed record Endpoint(IPAddress Address, int Port, bool IsLocal) : IComparable<Endpoint>
{
    /// <summary><c>ip:port</c>, or <c>[ip]:port</c> for IPv6, as upstream prints endpoints.</summary>
    public override string ToString() => new IPEndPoint(Address, Port).ToString();

    public int CompareTo(Endpoint? other)
    {
        if (other is null)
        {
            return 1;
        }
        var c = Address.GetAddressBytes().AsSpan().SequenceCompareTo(other.Address.GetAddressBytes());
        return c != 0 ? c : Port.CompareTo(other.Port);
    }
}
