namespace Proxy.Core.Model;

/// <summary>
/// Identity of one port of one Service. <see cref="ToString"/> is upstream's <c>ns/name:port</c>
/// (just <c>ns/name</c> for an unnamed port): it appears in rule comments and in generated chain hashes.
/// </summary>
public sealed record ServicePortName(string Namespace, string Name, string PortName, L4Protocol Protocol)
    : IComparable<ServicePortName>
{
    public override string ToString() =>
        PortName.Length == 0 ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}:{PortName}";

    /// <summary>Ordinal order by namespace, name, port name, protocol: the order of every rendered output.</summary>
    public int CompareTo(ServicePortName? other)
    {
        if (other is null)
        {
            return 1;
        }
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        if (c == 0)
        {
            c = string.CompareOrdinal(Name, other.Name);
        }
        if (c == 0)
        {
            c = string.CompareOrdinal(PortName, other.PortName);
        }
        return c != 0 ? c : Protocol.CompareTo(other.Protocol);
    }
}
