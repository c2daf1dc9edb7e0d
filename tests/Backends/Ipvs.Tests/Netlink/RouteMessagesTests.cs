using System.Net;
using System.Net.Sockets;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs.Tests.Netlink;

/// <summary>
/// Byte-level goldens for the rtnetlink requests, worked out by hand from linux/rtnetlink.h, if_link.h and if_addr.h
/// (struct ifinfomsg is 16 bytes, struct ifaddrmsg 8; x86 host order is little endian).
/// </summary>
public class RouteMessagesTests
{
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static string Header(int length, ushort type, ushort flags, uint sequence) =>
        Hex([.. BitConverter.GetBytes((uint)length), .. BitConverter.GetBytes(type), .. BitConverter.GetBytes(flags), .. BitConverter.GetBytes(sequence), 0, 0, 0, 0]);

    // "kube-ipvs0" and its NUL, 11 bytes in a 15-byte IFLA_IFNAME attribute padded to 16.
    private const string Name = "0f000300" + "6b7562652d69707673300000";

    private const string NoLink = "00000000" + "00000000" + "00000000" + "00000000";

    [Fact]
    public void LookingUpALinkByNameAsksForAnAck() =>
        Assert.Equal(Header(48, 18, 0x05, 1) + NoLink + Name, Hex(RouteMessages.GetLink(1, "kube-ipvs0")));

    [Fact]
    public void ADummyIsCreatedExclusivelyWithItsKindNested() =>
        Assert.Equal(
            Header(64, 16, 0x605, 2) + NoLink + Name + "10001200" + "0a000100" + "64756d6d79000000",
            Hex(RouteMessages.NewDummy(2, "kube-ipvs0")));

    [Fact]
    public void ALinkIsDeletedByIndex() =>
        Assert.Equal(Header(32, 17, 0x05, 3) + "00000000" + "07000000" + "00000000" + "00000000", Hex(RouteMessages.DeleteLink(3, 7)));

    [Fact]
    public void AddressesAreDumpedPerFamily()
    {
        Assert.Equal(Header(24, 22, 0x301, 4) + "02000000" + "00000000", Hex(RouteMessages.DumpAddresses(4, AddressFamily.InterNetwork)));
        Assert.Equal(Header(24, 22, 0x301, 5) + "0a000000" + "00000000", Hex(RouteMessages.DumpAddresses(5, AddressFamily.InterNetworkV6)));
    }

    [Fact]
    public void AnIPv4ServiceAddressIsAHostAddressWithLocalAndAddress() =>
        Assert.Equal(
            Header(40, 20, 0x605, 6) + "02200000" + "07000000" + "080002000a60000a" + "080001000a60000a",
            Hex(RouteMessages.NewAddress(6, 7, IPAddress.Parse("10.96.0.10"))));

    [Fact]
    public void AnIPv6ServiceAddressSkipsDuplicateDetection() =>
        Assert.Equal(
            Header(64, 20, 0x605, 7) + "0a800200" + "07000000"
                + "14000200" + "fd00000000000000000000000000000a" + "14000100" + "fd00000000000000000000000000000a",
            Hex(RouteMessages.NewAddress(7, 7, IPAddress.Parse("fd00::a"))));

    [Fact]
    public void DeletingAnAddressNamesItTheSameWay() =>
        Assert.Equal(
            Header(40, 21, 0x05, 8) + "02200000" + "07000000" + "080002000a60000a" + "080001000a60000a",
            Hex(RouteMessages.DeleteAddress(8, 7, IPAddress.Parse("10.96.0.10"))));

    [Fact]
    public void AnAddressDumpIsDecoded_LocalBeforeAddress()
    {
        // As the kernel sends them: a point-to-point IPv4 address (IFA_ADDRESS is the peer) and an IPv6 one.
        var v4 = new NetlinkWriter(IpvsNetlinkConstants.RtmNewAddr, 2, 9).Header([2, 32, 0, 0, 3, 0, 0, 0])
            .Put(IpvsNetlinkConstants.IfaAddress, IPAddress.Parse("192.0.2.9").GetAddressBytes())
            .Put(IpvsNetlinkConstants.IfaLocal, IPAddress.Parse("192.0.2.1").GetAddressBytes()).ToArray();
        var v6 = new NetlinkWriter(IpvsNetlinkConstants.RtmNewAddr, 2, 9).Header([10, 64, 0, 0, 4, 0, 0, 0])
            .Put(IpvsNetlinkConstants.IfaAddress, IPAddress.Parse("fd00::1").GetAddressBytes()).ToArray();
        var done = new NetlinkWriter(NetlinkConstants.NlmsgDone, 2, 9).ToArray();

        var addresses = RouteDumps.Addresses(NetlinkReplies.Split((byte[])[.. v4, .. v6, .. done]));

        Assert.Equal([new LinkAddress(3, IPAddress.Parse("192.0.2.1"), 32), new LinkAddress(4, IPAddress.Parse("fd00::1"), 64)], addresses);
    }
}
