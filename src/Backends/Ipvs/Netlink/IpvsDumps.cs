using System.Net;
using Proxy.Core.Model;
using Proxy.Netlink;
using static Proxy.Backends.Ipvs.Netlink.IpvsNetlinkConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>Pure: decodes IPVS dump replies (a generic header, then one nested service or destination attribute).</summary>
public static class IpvsDumps
{
    /// <summary>IP_VS_SVC_F_HASHED: the kernel sets it on every service it holds; it is not a setting.</summary>
    private const uint ServiceHashedFlag = 0x2;

    /// <summary>The family id from a CTRL_CMD_GETFAMILY reply.</summary>
    public static ushort FamilyId(NetlinkReplies.Message reply) => NetlinkAttributes.Parse(reply.Payload[4..]).U16(CtrlAttrFamilyId);

    /// <summary>Virtual servers by address, protocol and port; firewall-mark services (no address) are not ours and are left out.</summary>
    public static List<IpvsVirtualServer> Services(IEnumerable<NetlinkReplies.Message> replies)
    {
        var result = new List<IpvsVirtualServer>();
        foreach (var reply in replies)
        {
            var service = NetlinkAttributes.Parse(NetlinkAttributes.Parse(reply.Payload[4..])[CmdAttrService]);
            if (!service.ContainsKey(SvcAttrAddr) || Protocol(service.U16(SvcAttrProtocol)) is not { } protocol)
            {
                continue;
            }
            var flags = service.TryGetValue(SvcAttrFlags, out var value) && value.Length >= 4
                ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(value.Span) & ~ServiceHashedFlag
                : 0;
            result.Add(new IpvsVirtualServer(
                Address(service.U16(SvcAttrAf), service[SvcAttrAddr]), protocol, service.BigEndianU16(SvcAttrPort), service.String(SvcAttrSchedName), flags,
                service.ContainsKey(SvcAttrTimeout) ? service.U32(SvcAttrTimeout) : 0));
        }
        return result;
    }

    public static List<IpvsDestinationState> Destinations(IEnumerable<NetlinkReplies.Message> replies, ushort addressFamily)
    {
        var result = new List<IpvsDestinationState>();
        foreach (var reply in replies)
        {
            var dest = NetlinkAttributes.Parse(NetlinkAttributes.Parse(reply.Payload[4..])[CmdAttrDest]);
            var family = dest.ContainsKey(DestAttrAddrFamily) ? dest.U16(DestAttrAddrFamily) : addressFamily;
            result.Add(new IpvsDestinationState(
                new IpvsRealServer(Address(family, dest[DestAttrAddr]), dest.BigEndianU16(DestAttrPort), (int)dest.U32(DestAttrWeight)),
                (int)dest.U32(DestAttrActiveConns),
                (int)dest.U32(DestAttrInactConns)));
        }
        return result;
    }

    /// <summary>The kernel sends a 16-byte union nf_inet_addr; an IPv4 address is its first four bytes.</summary>
    private static IPAddress Address(ushort family, ReadOnlyMemory<byte> bytes) =>
        new(family == AfInet ? bytes.Span[..4] : bytes.Span[..16]);

    private static L4Protocol? Protocol(ushort number) => number switch
    {
        6 => L4Protocol.Tcp,
        17 => L4Protocol.Udp,
        132 => L4Protocol.Sctp,
        _ => null,
    };
}
