using System.Collections.Immutable;
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

    /// <summary>nfacct counter of the INVALID drops: kubeproxy_iptables_ct_state_invalid_dropped_packets_total.</summary>
    public const string CtStateInvalidCounter = "ct_state_invalid_dropped_pkts";

    /// <summary>nfacct counter of node-port packets accepted on 127.0.0.1: kubeproxy_iptables_localhost_nodeports_accepted_packets_total.</summary>
    public const string LocalhostNodePortsCounter = "localhost_nps_accepted_pkts";

    /// <summary>
    /// The nfacct counters that exist on this node (the backend's creator made them): only those are counted into, as
    /// upstream's rules do, since a rule naming a missing counter would fail the whole restore.
    /// </summary>
    public ImmutableHashSet<string> NfacctCounters { get; init; } = [];
}
