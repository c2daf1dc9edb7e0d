using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Proxy.Netlink;
using static Proxy.Backends.Ipvs.Netlink.IpvsNetlinkConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>
/// Pure: the rtnetlink requests for the kube-ipvs0 dummy and its addresses, byte for byte. Every request asks for an
/// ACK (so a lookup that finds nothing ends with ENODEV rather than silence); creations are exclusive.
/// </summary>
public static class RouteMessages
{
    private const ushort Ack = FlagRequest | FlagAck;

    /// <summary>RTM_GETLINK by name: the reply's ifinfomsg carries the index; ENODEV when there is no such link.</summary>
    public static byte[] GetLink(uint sequence, string name) =>
        new NetlinkWriter(RtmGetLink, Ack, sequence).Header(LinkHeader(0)).PutString(IflaIfname, name).ToArray();

    /// <summary>RTM_NEWLINK of kind "dummy", as <c>ip link add NAME type dummy</c> (down).</summary>
    public static byte[] NewDummy(uint sequence, string name) =>
        new NetlinkWriter(RtmNewLink, Ack | FlagCreate | FlagExclusive, sequence)
            .Header(LinkHeader(0))
            .PutString(IflaIfname, name)
            .BeginNested(IflaLinkinfo).PutString(IflaInfoKind, "dummy").EndNested()
            .ToArray();

    public static byte[] DeleteLink(uint sequence, int index) =>
        new NetlinkWriter(RtmDelLink, Ack, sequence).Header(LinkHeader(index)).ToArray();

    /// <summary>RTM_GETADDR dump of one family (AF_INET or AF_INET6).</summary>
    public static byte[] DumpAddresses(uint sequence, AddressFamily family) =>
        new NetlinkWriter(RtmGetAddr, FlagRequest | FlagDump, sequence).Header(AddressHeader(family, 0, 0, 0)).ToArray();

    /// <summary>RTM_NEWADDR of a host address (/32, /128), as <c>ip addr add IP/32 dev kube-ipvs0</c>.</summary>
    public static byte[] NewAddress(uint sequence, int index, IPAddress address) => Address(RtmNewAddr, Ack | FlagCreate | FlagExclusive, sequence, index, address);

    public static byte[] DeleteAddress(uint sequence, int index, IPAddress address) => Address(RtmDelAddr, Ack, sequence, index, address);

    private static byte[] Address(ushort type, ushort flags, uint sequence, int index, IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        return new NetlinkWriter(type, flags, sequence)
            .Header(AddressHeader(address.AddressFamily, (byte)(bytes.Length * 8), v6 ? IfaFlagNoDad : (byte)0, index))
            .Put(IfaLocal, bytes)
            .Put(IfaAddress, bytes)
            .ToArray();
    }

    /// <summary>struct ifinfomsg: family, pad, type, index, flags, change (16 bytes).</summary>
    private static byte[] LinkHeader(int index)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return header;
    }

    /// <summary>struct ifaddrmsg: family, prefix length, flags, scope (universe), index (8 bytes).</summary>
    private static byte[] AddressHeader(AddressFamily family, byte prefixLength, byte flags, int index)
    {
        var header = new byte[8];
        header[0] = family switch
        {
            AddressFamily.InterNetwork => (byte)AfInet,
            AddressFamily.InterNetworkV6 => (byte)AfInet6,
            _ => AfUnspec,
        };
        header[1] = prefixLength;
        header[2] = flags;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return header;
    }
}
