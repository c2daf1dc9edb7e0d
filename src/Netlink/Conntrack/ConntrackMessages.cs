using System.Net.Sockets;
using static Proxy.Netlink.Conntrack.ConntrackConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Netlink.Conntrack;

/// <summary>
/// Pure: the ctnetlink requests, byte for byte. Each starts with nlmsghdr (type = subsystem &lt;&lt; 8 | message) and
/// struct nfgenmsg (family, NFNETLINK_V0, resource id 0); ctnetlink's attributes are network byte order, and every
/// nest carries NLA_F_NESTED, which the kernel's strict parser of CTA_FILTER requires.
/// </summary>
public static class ConntrackMessages
{
    /// <summary>
    /// IPCTNL_MSG_CT_GET with NLM_F_DUMP: the flows of one family (the kernel filters on nfgen_family), and with
    /// <paramref name="kernelFilter"/> of one L4 protocol too (CTA_FILTER on the original tuple's CTA_PROTO_NUM). A
    /// kernel older than 5.8 ignores CTA_FILTER and sends every protocol, so the caller filters again.
    /// </summary>
    public static byte[] Dump(uint sequence, AddressFamily family, ProtocolType protocol, bool kernelFilter)
    {
        var writer = Start(MessageGet, FlagRequest | FlagDump, sequence, family);
        if (kernelFilter)
        {
            writer.BeginNested(TupleOrig | AttributeNested)
                .BeginNested(TupleProto | AttributeNested).PutU8(ProtoNumber, (byte)protocol).EndNested()
                .EndNested()
                .BeginNested(Filter | AttributeNested).PutU32(FilterOrigFlags, FilterProtoNumber).EndNested();
        }
        return writer.ToArray();
    }

    /// <summary>IPCTNL_MSG_CT_DELETE of one flow by its original tuple, in its zone, and only if its id is still <see cref="ConntrackFlow.Id"/>; asks for an ACK.</summary>
    public static byte[] Delete(uint sequence, ConntrackFlow flow)
    {
        var writer = Start(MessageDelete, FlagRequest | FlagAck, sequence, flow.Family);
        Tuple(writer, TupleOrig, flow.Family, flow.Protocol, flow.Original);
        if (flow.Zone != 0)
        {
            writer.PutBigEndianU16(Zone, flow.Zone);
        }
        if (flow.Id is { } id)
        {
            writer.PutBigEndianU32(Id, id);
        }
        return writer.ToArray();
    }

    private static NetlinkWriter Start(ushort type, ushort flags, uint sequence, AddressFamily family) =>
        new NetlinkWriter(type, flags, sequence).Header([(byte)NetlinkFamily(family), NfnetlinkVersion, 0, 0]);

    private static void Tuple(NetlinkWriter writer, ushort type, AddressFamily family, ProtocolType protocol, ConntrackTuple tuple)
    {
        var v4 = family == AddressFamily.InterNetwork;
        writer.BeginNested((ushort)(type | AttributeNested))
            .BeginNested(TupleIp | AttributeNested)
            .Put(v4 ? IpV4Source : IpV6Source, tuple.Source.GetAddressBytes())
            .Put(v4 ? IpV4Destination : IpV6Destination, tuple.Destination.GetAddressBytes())
            .EndNested()
            .BeginNested(TupleProto | AttributeNested)
            .PutU8(ProtoNumber, (byte)protocol)
            .PutBigEndianU16(ProtoSourcePort, tuple.SourcePort)
            .PutBigEndianU16(ProtoDestinationPort, tuple.DestinationPort)
            .EndNested()
            .EndNested();
    }

    /// <summary>The AF_* number of a family, as nfgen_family carries it.</summary>
    internal static ushort NetlinkFamily(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => AfInet,
        AddressFamily.InterNetworkV6 => AfInet6,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "conntrack flows are IPv4 or IPv6"),
    };
}
