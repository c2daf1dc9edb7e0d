using System.Net.Sockets;

namespace Proxy.Netlink.Conntrack;

/// <summary>
/// One conntrack entry: its original tuple (as the first packet came) and its reply tuple (as answers come back,
/// so after DNAT the reply source is the endpoint the flow was sent to). <see cref="Zone"/> and <see cref="Id"/> make a
/// delete exact: the kernel looks the flow up by original tuple in its zone, and refuses (ENOENT) when the id is not
/// that of the flow it finds, so a newer flow that reused the tuple is never deleted by mistake.
/// </summary>
public sealed record ConntrackFlow(AddressFamily Family, ProtocolType Protocol, ConntrackTuple Original, ConntrackTuple Reply)
{
    /// <summary>The conntrack zone (CTA_ZONE); 0, the default zone, for flows no rule put elsewhere.</summary>
    public ushort Zone { get; init; }

    /// <summary>The kernel's id of the entry (CTA_ID), or null when unknown (a delete then matches any flow with the tuple).</summary>
    public uint? Id { get; init; }

    /// <summary>As the conntrack tool lists a flow: protocol, original tuple, reply tuple.</summary>
    public override string ToString() => $"{Protocol.ToString().ToLowerInvariant()} {Original} {Reply}" + (Zone != 0 ? $" zone={Zone}" : "");
}
