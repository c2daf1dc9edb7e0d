using System.Net;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Core.Model;
using Proxy.Netlink;
using static Proxy.Backends.Ipvs.Netlink.IpvsNetlinkConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Backends.Ipvs.Tests.Netlink;

/// <summary>Dump replies as the kernel writes them (16-byte addresses, network-order ports), decoded.</summary>
public class IpvsDumpsTests
{
    private static NetlinkReplies.Message Reply(Action<NetlinkWriter> attributes)
    {
        var writer = new NetlinkWriter(0x22, 0x2, 3).Generic(CmdNewService, IpvsVersion);
        attributes(writer);
        return Assert.Single(NetlinkReplies.Split(writer.ToArray()));
    }

    private static byte[] Union(string address)
    {
        var bytes = new byte[16];
        IPAddress.Parse(address).GetAddressBytes().CopyTo(bytes, 0);
        return bytes;
    }

    [Fact]
    public void ServicesAreDecoded_FirewallMarkOnesAreLeftOut()
    {
        var tcp = Reply(w => w.BeginNested(CmdAttrService).PutU16(SvcAttrAf, AfInet).PutU16(SvcAttrProtocol, 6).Put(SvcAttrAddr, Union("10.96.0.10"))
            .PutBigEndianU16(SvcAttrPort, 80).PutString(SvcAttrSchedName, "rr").EndNested());
        var udp6 = Reply(w => w.BeginNested(CmdAttrService).PutU16(SvcAttrAf, AfInet6).PutU16(SvcAttrProtocol, 17).Put(SvcAttrAddr, Union("fd00::a"))
            .PutBigEndianU16(SvcAttrPort, 53).PutString(SvcAttrSchedName, "wrr").EndNested());
        var fwmark = Reply(w => w.BeginNested(CmdAttrService).PutU16(SvcAttrAf, AfInet).PutU32(SvcAttrFwmark, 7).PutString(SvcAttrSchedName, "rr").EndNested());

        var services = IpvsDumps.Services([tcp, udp6, fwmark]);

        Assert.Equal(
            [
                new IpvsVirtualServer(IPAddress.Parse("10.96.0.10"), L4Protocol.Tcp, 80, "rr"),
                new IpvsVirtualServer(IPAddress.Parse("fd00::a"), L4Protocol.Udp, 53, "wrr"),
            ],
            services);
    }

    [Fact]
    public void ServiceFlagsAreReadWithoutTheKernelsHashedBit()
    {
        var flags = new byte[8];
        BitConverter.GetBytes(0x12u).CopyTo(flags, 0); // IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED2
        var mh = Reply(w => w.BeginNested(CmdAttrService).PutU16(SvcAttrAf, AfInet).PutU16(SvcAttrProtocol, 6).Put(SvcAttrAddr, Union("10.96.0.10"))
            .PutBigEndianU16(SvcAttrPort, 80).PutString(SvcAttrSchedName, "mh").Put(SvcAttrFlags, flags).EndNested());

        Assert.Equal(0x10u, Assert.Single(IpvsDumps.Services([mh])).Flags);
    }

    [Fact]
    public void APersistentServiceIsReadWithItsTimeout_SoAnAffinityChangeIsSeen()
    {
        var flags = new byte[8];
        BitConverter.GetBytes(0x3u).CopyTo(flags, 0); // IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED
        var sticky = Reply(w => w.BeginNested(CmdAttrService).PutU16(SvcAttrAf, AfInet).PutU16(SvcAttrProtocol, 6).Put(SvcAttrAddr, Union("10.96.0.10"))
            .PutBigEndianU16(SvcAttrPort, 80).PutString(SvcAttrSchedName, "rr").Put(SvcAttrFlags, flags).PutU32(SvcAttrTimeout, 10800).EndNested());

        Assert.Equal(
            new IpvsVirtualServer(IPAddress.Parse("10.96.0.10"), L4Protocol.Tcp, 80, "rr", IpvsVirtualServer.PersistentFlag, 10800),
            Assert.Single(IpvsDumps.Services([sticky])));
    }

    [Fact]
    public void DestinationsCarryWeightAndConnectionCounts()
    {
        var reply = Reply(w => w.BeginNested(CmdAttrDest).Put(DestAttrAddr, Union("10.244.1.2")).PutBigEndianU16(DestAttrPort, 8080)
            .PutU32(DestAttrWeight, 0).PutU32(DestAttrActiveConns, 3).PutU32(DestAttrInactConns, 5).PutU16(DestAttrAddrFamily, AfInet).EndNested());

        var destination = Assert.Single(IpvsDumps.Destinations([reply], AfInet));

        Assert.Equal(new IpvsDestinationState(new IpvsRealServer(IPAddress.Parse("10.244.1.2"), 8080, 0), 3, 5), destination);
    }

    [Fact]
    public void TheFamilyIdComesFromTheControllersReply()
    {
        var reply = Assert.Single(NetlinkReplies.Split(new NetlinkWriter(GenlIdCtrl, 0, 1).Generic(1, 2).PutString(CtrlAttrFamilyName, "IPVS").PutU16(CtrlAttrFamilyId, 0x23).ToArray()));

        Assert.Equal(0x23, IpvsDumps.FamilyId(reply));
    }
}
