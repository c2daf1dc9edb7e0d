using System.Net;
using System.Net.Sockets;
using Proxy.Netlink.Conntrack;

namespace Proxy.Netlink.Tests.Conntrack;

/// <summary>
/// Byte-level goldens, worked out by hand from linux/netlink.h, netfilter/nfnetlink.h and nfnetlink_conntrack.h (x86:
/// nlmsghdr is host order, little endian; ctnetlink's addresses, ports, zone and id are network order; every nest
/// carries NLA_F_NESTED, 0x8000 in the type; every attribute is padded to 4 bytes).
/// </summary>
public class ConntrackMessagesTests
{
    private static readonly ConntrackFlow Dns = new(
        AddressFamily.InterNetwork,
        ProtocolType.Udp,
        new ConntrackTuple(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.96.0.10"), 40000, 53),
        new ConntrackTuple(IPAddress.Parse("10.244.1.5"), IPAddress.Parse("10.0.0.1"), 53, 40000))
    {
        Id = 0x01020304,
    };

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static string Header(int length, ushort type, ushort flags, uint sequence) =>
        Hex([.. BitConverter.GetBytes((uint)length), .. BitConverter.GetBytes(type), .. BitConverter.GetBytes(flags), .. BitConverter.GetBytes(sequence), 0, 0, 0, 0]);

    [Fact]
    public void ADumpAsksTheKernelToFilterByProtocol() =>
        Assert.Equal(
            // IPCTNL_MSG_CT_GET (0x0101), NLM_F_REQUEST|NLM_F_DUMP; nfgenmsg AF_INET, v0, res_id 0.
            Header(48, 0x0101, 0x0301, 1) + "02000000"
                // CTA_TUPLE_ORIG { CTA_TUPLE_PROTO { CTA_PROTO_NUM 17 } }
                + "10000180" + "0c000280" + "0500010011000000"
                // CTA_FILTER { CTA_FILTER_ORIG_FLAGS = CTA_FILTER_F_CTA_PROTO_NUM (1 << 3), host order }
                + "0c001980" + "0800010008000000",
            Hex(ConntrackMessages.Dump(1, AddressFamily.InterNetwork, ProtocolType.Udp, kernelFilter: true)));

    [Fact]
    public void ADumpWithoutTheKernelFilterNamesOnlyTheFamily() =>
        Assert.Equal(Header(20, 0x0101, 0x0301, 2) + "0a000000", Hex(ConntrackMessages.Dump(2, AddressFamily.InterNetworkV6, ProtocolType.Tcp, kernelFilter: false)));

    [Fact]
    public void AFlowIsDeletedByItsOriginalTupleAndId() =>
        Assert.Equal(
            // IPCTNL_MSG_CT_DELETE (0x0102), NLM_F_REQUEST|NLM_F_ACK.
            Header(80, 0x0102, 0x0005, 7) + "02000000"
                + "34000180"
                + "14000180" + "080001000a000001" + "080002000a60000a"
                // CTA_PROTO_NUM 17, then ports 40000 (0x9c40) and 53 in network order.
                + "1c000280" + "0500010011000000" + "060002009c400000" + "0600030000350000"
                // CTA_ID, network order.
                + "08000c0001020304",
            Hex(ConntrackMessages.Delete(7, Dns)));

    [Fact]
    public void AnIPv6FlowInAZoneIsDeletedThere()
    {
        var flow = new ConntrackFlow(
            AddressFamily.InterNetworkV6,
            ProtocolType.Udp,
            new ConntrackTuple(IPAddress.Parse("fd00::1"), IPAddress.Parse("fd00::a"), 5353, 53),
            new ConntrackTuple(IPAddress.Parse("fd00::a"), IPAddress.Parse("fd00::1"), 53, 5353))
        {
            Zone = 5,
        };

        Assert.Equal(
            Header(104, 0x0102, 0x0005, 8) + "0a000000"
                + "4c000180"
                + "2c000180" + "14000300" + "fd000000000000000000000000000001" + "14000400" + "fd00000000000000000000000000000a"
                + "1c000280" + "0500010011000000" + "0600020014e90000" + "0600030000350000"
                // CTA_ZONE 5, network order; no CTA_ID: any flow with this tuple goes.
                + "0600120000050000",
            Hex(ConntrackMessages.Delete(8, flow)));
    }
}
