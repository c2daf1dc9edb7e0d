using System.Net;
using System.Net.Sockets;
using static Proxy.Netlink.Conntrack.ConntrackConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Netlink.Conntrack;

/// <summary>Pure: decodes ctnetlink dump replies (IPCTNL_MSG_CT_NEW: nfgenmsg, then the flow's attributes).</summary>
public static class ConntrackDumps
{
    /// <summary>The flow in one reply, or null for one this client does not model (neither IPv4 nor IPv6, or no tuples).</summary>
    public static ConntrackFlow? Flow(NetlinkReplies.Message reply)
    {
        if (reply.Type != MessageNew || reply.Payload.Length < 4)
        {
            return null;
        }
        var family = reply.Payload.Span[0] switch
        {
            (byte)AfInet => AddressFamily.InterNetwork,
            (byte)AfInet6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };
        var attributes = NetlinkAttributes.Parse(reply.Payload[4..]);
        if (family == AddressFamily.Unspecified
            || !attributes.TryGetValue(TupleOrig, out var original)
            || !attributes.TryGetValue(TupleReply, out var answer)
            || Tuple(original) is not { } forward
            || Tuple(answer) is not { } backward)
        {
            return null;
        }
        return new ConntrackFlow(family, forward.Protocol, forward.Tuple, backward.Tuple)
        {
            Zone = attributes.ContainsKey(Zone) ? attributes.BigEndianU16(Zone) : (ushort)0,
            Id = attributes.ContainsKey(Id) ? attributes.BigEndianU32(Id) : null,
        };
    }

    /// <summary>Whether the kernel flagged this reply NLM_F_DUMP_INTR (the table changed during the dump).</summary>
    public static bool Interrupted(NetlinkReplies.Message reply) => (reply.Flags & FlagDumpInterrupted) != 0;

    private static (ConntrackTuple Tuple, ProtocolType Protocol)? Tuple(ReadOnlyMemory<byte> nested)
    {
        var tuple = NetlinkAttributes.Parse(nested);
        if (!tuple.TryGetValue(TupleIp, out var ipAttribute) || !tuple.TryGetValue(TupleProto, out var protoAttribute))
        {
            return null;
        }
        var ip = NetlinkAttributes.Parse(ipAttribute);
        var proto = NetlinkAttributes.Parse(protoAttribute);
        var (source, destination) = ip.ContainsKey(IpV4Source)
            ? (ip.GetValueOrDefault(IpV4Source), ip.GetValueOrDefault(IpV4Destination))
            : (ip.GetValueOrDefault(IpV6Source), ip.GetValueOrDefault(IpV6Destination));
        if (source.Length is not (4 or 16) || destination.Length != source.Length || !proto.TryGetValue(ProtoNumber, out var number) || number.Length < 1)
        {
            return null;
        }
        return (new ConntrackTuple(
            new IPAddress(source.Span),
            new IPAddress(destination.Span),
            proto.ContainsKey(ProtoSourcePort) ? proto.BigEndianU16(ProtoSourcePort) : (ushort)0,
            proto.ContainsKey(ProtoDestinationPort) ? proto.BigEndianU16(ProtoDestinationPort) : (ushort)0), (ProtocolType)number.Span[0]);
    }
}
