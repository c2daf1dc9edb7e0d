using System.Globalization;

namespace Proxy.Backends.Iptables;

/// <summary>Settings of iptables mode that are not part of the model.</summary>
public sealed record IptablesOptions
{
    /// <summary>--iptables-masquerade-bit: the fwmark bit that marks packets for SNAT (14 → 0x4000, as upstream).</summary>
    public int MasqueradeBit { get; init; } = 14;

    /// <summary>The mark as iptables-save prints it, e.g. 0x4000.</summary>
    public string MasqueradeMark => "0x" + (1u << MasqueradeBit).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>
    /// upstream's largeClusterEndpointsThreshold: above this many endpoints in a family, endpoint rules carry no
    /// comment, which shortens the payload by a third or more.
    /// </summary>
    public int LargeClusterEndpoints { get; init; } = 1000;

    /// <summary>Drop forwarded packets conntrack marks INVALID (upstream does unless nf_conntrack_tcp_be_liberal is set).</summary>
    public bool DropInvalid { get; init; } = true;
}
