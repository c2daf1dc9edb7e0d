namespace Proxy.Netlink;

/// <summary>The netlink families this project speaks (the protocol argument of socket(AF_NETLINK, ...), linux/netlink.h).</summary>
public enum NetlinkProtocol
{
    /// <summary>NETLINK_ROUTE: links and addresses.</summary>
    Route = 0,

    /// <summary>NETLINK_NETFILTER: nfnetlink subsystems such as ctnetlink (conntrack).</summary>
    Netfilter = 12,

    /// <summary>NETLINK_GENERIC: generic netlink families such as IPVS.</summary>
    Generic = 16,
}
