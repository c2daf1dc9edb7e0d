using System.Collections.Immutable;
using System.Net;

namespace Proxy.Backends.Ipvs;

/// <summary>Settings of IPVS mode that are not part of the model (upstream's ipvs.* and iptables.masqueradeBit).</summary>
public sealed record IpvsOptions
{
    /// <summary>The schedulers the kernel ships (ip_vs_*.ko); --ipvs-scheduler must be one of them.</summary>
    public static readonly ImmutableArray<string> Schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"];

    /// <summary>ipvs.scheduler; empty means rr, as upstream.</summary>
    public string Scheduler { get; init; } = "rr";

    /// <summary>iptables.masqueradeBit: IPVS mode marks packets for SNAT with the iptables mode's bit, as upstream.</summary>
    public int MasqueradeBit { get; init; } = 14;

    /// <summary>ipvs.strictARP: set arp_ignore=1 and arp_announce=2, so the node never answers ARP for service addresses.</summary>
    public bool StrictArp { get; init; }

    /// <summary>ipvs.excludeCIDRs: virtual servers on these addresses are never deleted, whoever made them.</summary>
    public ImmutableArray<IPNetwork> ExcludeCidrs { get; init; } = [];

    /// <summary>ipvs.tcpTimeout, ipvs.tcpFinTimeout, ipvs.udpTimeout: set in the kernel when any is non-zero.</summary>
    public IpvsTimeouts Timeouts { get; init; } = IpvsTimeouts.None;
}
