namespace Proxy.Core.Model;

/// <summary>The transport protocols a Service port can use.</summary>
public enum L4Protocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary>Spellings of <see cref="L4Protocol"/> used by Kubernetes and the kernel tools.</summary>
public static class L4ProtocolNames
{
    /// <summary>Kubernetes spelling: TCP, UDP, SCTP.</summary>
    public static string ToKubernetes(this L4Protocol protocol) => protocol switch
    {
        L4Protocol.Tcp => "TCP",
        L4Protocol.Udp => "UDP",
        L4Protocol.Sctp => "SCTP",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>Kernel-tool spelling (iptables -p, nft): tcp, udp, sctp.</summary>
    public static string ToLower(this L4Protocol protocol) => protocol switch
    {
        L4Protocol.Tcp => "tcp",
        L4Protocol.Udp => "udp",
        L4Protocol.Sctp => "sctp",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>Parses the Kubernetes spelling; an absent protocol means TCP, as the API server defaults it.</summary>
    public static bool TryParseKubernetes(string? value, out L4Protocol protocol)
    {
        switch (value)
        {
            case null or "" or "TCP":
                protocol = L4Protocol.Tcp;
                return true;
            case "UDP":
                protocol = L4Protocol.Udp;
                return true;
            case "SCTP":
                protocol = L4Protocol.Sctp;
                return true;
            default:
                protocol = default;
                return false;
        }
    }
}
