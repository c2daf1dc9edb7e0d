using System.Net;
using System.Net.Sockets;
using Proxy.Netlink.Conntrack;

namespace Proxy.Netlink.Tests.Conntrack;

public class ConntrackDumpsTests
{
    /// <summary>
    /// A dump reply as the kernel sends one (ctnetlink_fill_info): IPCTNL_MSG_CT_NEW with NLM_F_MULTI, nfgenmsg, then
    /// the tuples and the flow's other attributes, some of which this client does not read.
    /// </summary>
    private static NetlinkReplies.Message Reply(byte family, ushort flags, Action<NetlinkWriter> attributes)
    {
        var writer = new NetlinkWriter(0x0100, flags, 9).Header([family, 0, 0, 0]);
        attributes(writer);
        return Assert.Single(NetlinkReplies.Split(writer.ToArray()));
    }

    private static void Tuple(NetlinkWriter writer, ushort type, string source, string destination, ushort sourcePort, ushort destinationPort, byte protocol = 17)
    {
        var v4 = IPAddress.Parse(source).AddressFamily == AddressFamily.InterNetwork;
        writer.BeginNested((ushort)(type | 0x8000))
            .BeginNested(0x8001)
            .Put(v4 ? (ushort)1 : (ushort)3, IPAddress.Parse(source).GetAddressBytes())
            .Put(v4 ? (ushort)2 : (ushort)4, IPAddress.Parse(destination).GetAddressBytes())
            .EndNested()
            .BeginNested(0x8002).PutU8(1, protocol).PutBigEndianU16(2, sourcePort).PutBigEndianU16(3, destinationPort).EndNested()
            .EndNested();
    }

    [Fact]
    public void AFlowKeepsItsTuplesZoneAndId()
    {
        var reply = Reply(2, 0x2, w =>
        {
            Tuple(w, 1, "10.0.0.1", "10.96.0.10", 40000, 53);
            Tuple(w, 2, "10.244.1.5", "10.0.0.1", 53, 40000);
            w.PutBigEndianU32(3, 0x18e); // CTA_STATUS
            w.PutBigEndianU32(7, 27); // CTA_TIMEOUT
            w.PutBigEndianU32(8, 0); // CTA_MARK
            w.PutBigEndianU32(12, 0xdeadbeef); // CTA_ID
            w.PutBigEndianU16(18, 3); // CTA_ZONE
        });

        var flow = ConntrackDumps.Flow(reply);

        Assert.Equal(
            new ConntrackFlow(
                AddressFamily.InterNetwork,
                ProtocolType.Udp,
                new ConntrackTuple(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.96.0.10"), 40000, 53),
                new ConntrackTuple(IPAddress.Parse("10.244.1.5"), IPAddress.Parse("10.0.0.1"), 53, 40000))
            {
                Zone = 3,
                Id = 0xdeadbeef,
            },
            flow);
        Assert.False(ConntrackDumps.Interrupted(reply));
    }

    [Fact]
    public void AnIPv6FlowDecodesSixteenByteAddresses()
    {
        var flow = ConntrackDumps.Flow(Reply(10, 0x2, w =>
        {
            Tuple(w, 1, "fd00::1", "fd00::a", 5353, 53);
            Tuple(w, 2, "fd00::a", "fd00::1", 53, 5353);
        }));

        Assert.Equal("udp src=fd00::1 dst=fd00::a sport=5353 dport=53 src=fd00::a dst=fd00::1 sport=53 dport=5353", flow?.ToString());
        Assert.Null(flow?.Id);
        Assert.Equal((ushort)0, flow?.Zone);
    }

    [Fact]
    public void AnInterruptedDumpIsFlagged() =>
        Assert.True(ConntrackDumps.Interrupted(Reply(2, 0x2 | 0x10, w =>
        {
            Tuple(w, 1, "10.0.0.1", "10.96.0.10", 1, 2);
            Tuple(w, 2, "10.96.0.10", "10.0.0.1", 2, 1);
        })));

    [Fact]
    public void AReplyWithoutBothTuplesIsNotAFlow() =>
        Assert.Null(ConntrackDumps.Flow(Reply(2, 0x2, w => Tuple(w, 1, "10.0.0.1", "10.96.0.10", 1, 2))));
}
