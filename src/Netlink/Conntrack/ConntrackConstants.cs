namespace Proxy.Netlink.Conntrack;

/// <summary>
/// Values from linux/netfilter/nfnetlink.h and nfnetlink_conntrack.h, as the kernel defines them, and the CTA_FILTER
/// flag bits of net/netfilter/nf_internals.h: kernel-internal, but ABI (libnetfilter_conntrack sends the same bits).
/// </summary>
public static class ConntrackConstants
{
    /// <summary>NFNL_SUBSYS_CTNETLINK: the high byte of every conntrack message type.</summary>
    public const byte Subsystem = 1;

    /// <summary>NFNETLINK_V0: the version byte of struct nfgenmsg.</summary>
    public const byte NfnetlinkVersion = 0;

    // enum cntl_msg_types, in the low byte.
    public const ushort MessageNew = Subsystem << 8 | 0;
    public const ushort MessageGet = Subsystem << 8 | 1;
    public const ushort MessageDelete = Subsystem << 8 | 2;

    // enum ctattr_type.
    public const ushort TupleOrig = 1;
    public const ushort TupleReply = 2;
    public const ushort Status = 3;
    public const ushort Mark = 8;
    public const ushort Id = 12;
    public const ushort Zone = 18;

    /// <summary>CTA_FILTER (Linux 5.8): which fields of the tuples that follow a dump request must match.</summary>
    public const ushort Filter = 25;

    // enum ctattr_tuple.
    public const ushort TupleIp = 1;
    public const ushort TupleProto = 2;

    // enum ctattr_ip.
    public const ushort IpV4Source = 1;
    public const ushort IpV4Destination = 2;
    public const ushort IpV6Source = 3;
    public const ushort IpV6Destination = 4;

    // enum ctattr_l4proto.
    public const ushort ProtoNumber = 1;
    public const ushort ProtoSourcePort = 2;
    public const ushort ProtoDestinationPort = 3;

    // enum ctattr_filter.
    public const ushort FilterOrigFlags = 1;
    public const ushort FilterReplyFlags = 2;

    /// <summary>CTA_FILTER_F_CTA_PROTO_NUM: match the original tuple's L4 protocol number.</summary>
    public const uint FilterProtoNumber = 1 << 3;
}
