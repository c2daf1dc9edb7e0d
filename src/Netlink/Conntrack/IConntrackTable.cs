using System.Net.Sockets;

namespace Proxy.Netlink.Conntrack;

/// <summary>The kernel's connection tracking table of the current network namespace.</summary>
public interface IConntrackTable
{
    /// <summary>The flows of one family (InterNetwork or InterNetworkV6) and L4 protocol; throws <see cref="NetlinkException"/> when the table cannot be read.</summary>
    ConntrackListing List(AddressFamily family, ProtocolType protocol);

    /// <summary>Deletes each flow (by original tuple, zone and id), in batches; throws <see cref="NetlinkException"/> only when the socket itself fails.</summary>
    ConntrackDeletion Delete(IReadOnlyList<ConntrackFlow> flows);
}
