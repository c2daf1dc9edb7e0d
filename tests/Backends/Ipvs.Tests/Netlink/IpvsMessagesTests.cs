using System.Net;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests.Netlink;

/// <summary>
/// Byte-level goldens, worked out by hand from linux/netlink.h, genetlink.h and ip_vs.h (x86: host order is little
/// endian; ports are network order; every attribute is padded to 4 bytes).
/// </summary>
public class IpvsMessagesTests
{
    private const ushort Family = 0x22;
    private static readonly IpvsVirtualServer Web = new(IPAddress.Parse("10.96.0.10"), L4Protocol.Tcp, 80, "rr");
    private static readonly IpvsVirtualServer Web6 = new(IPAddress.Parse("fd00::a"), L4Protocol.Udp, 53, "wrr");
    private static readonly IpvsRealServer Pod = new(IPAddress.Parse("10.244.1.2"), 8080, 1);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static string Header(int length, ushort type, ushort flags, uint sequence) =>
        Hex([.. BitConverter.GetBytes((uint)length), .. BitConverter.GetBytes(type), .. BitConverter.GetBytes(flags), .. BitConverter.GetBytes(sequence), 0, 0, 0, 0]);

    // Service identity attributes of Web: AF_INET, TCP, 10.96.0.10, port 80 (0x0050 big endian).
    private const string WebIdentity = "0600010002000000" + "0600020006000000" + "080003000a60000a" + "0600040000500000";

    [Fact]
    public void GetFamilyAsksTheControllerForIpvs() =>
        Assert.Equal(
            Header(32, 0x10, 0x05, 1) + "03010000" + "0900020049505653" + "00000000",
            Hex(IpvsMessages.GetFamily(1)));

    [Fact]
    public void NewServiceIPv4CarriesIdentityAndSettings() =>
        Assert.Equal(
            Header(92, Family, 0x05, 7) + "01010000" + "48000100" + WebIdentity
                + "0700060072720000" + "0c000700" + "00000000ffffffff" + "0800080000000000" + "08000900ffffffff",
            Hex(IpvsMessages.NewService(Family, 7, Web)));

    [Fact]
    public void NewServiceIPv6UsesSixteenAddressBytesAndAPrefixLengthNetmask() =>
        Assert.Equal(
            Header(104, Family, 0x05, 8) + "01010000" + "54000100"
                + "060001000a000000" + "0600020011000000"
                + "14000300" + "fd00000000000000000000000000000a" + "0600040000350000"
                + "0800060077727200" + "0c000700" + "00000000ffffffff" + "0800080000000000" + "0800090080000000",
            Hex(IpvsMessages.NewService(Family, 8, Web6)));

    [Fact]
    public void TheMaglevSchedulerHashesOnPortsToo() =>
        Assert.Contains("0c000700" + "10000000ffffffff", Hex(IpvsMessages.NewService(Family, 7, Web with { Scheduler = "mh", Flags = IpvsVirtualServer.FlagsFor("mh") })));

    /// <summary>sessionAffinity: ClientIP with 10800 s (0x2a30): the persistent flag, and the timeout in seconds.</summary>
    [Fact]
    public void APersistentServiceCarriesItsFlagAndTimeout() =>
        Assert.Contains(
            "0c000700" + "01000000ffffffff" + "08000800302a0000",
            Hex(IpvsMessages.NewService(Family, 7, Web with { Flags = IpvsVirtualServer.PersistentFlag, Timeout = 10800 })));

    [Fact]
    public void EachOperationHasItsRequest()
    {
        Assert.Equal(Hex(IpvsMessages.SetService(Family, 3, Web)), Hex(IpvsMessages.For(Family, 3, new IpvsOperation(IpvsOperationKind.UpdateService, Web))));
        Assert.Equal(Hex(IpvsMessages.DeleteDestination(Family, 4, Web, Pod)), Hex(IpvsMessages.For(Family, 4, new IpvsOperation(IpvsOperationKind.DeleteDestination, Web, Pod))));
        Assert.Equal(Hex(IpvsMessages.NewDestination(Family, 5, Web, Pod)), Hex(IpvsMessages.For(Family, 5, new IpvsOperation(IpvsOperationKind.AddDestination, Web, Pod))));
    }

    /// <summary>All three timeouts, in whole seconds (a zero one the kernel leaves as it is), as upstream's library sends them.</summary>
    [Fact]
    public void SetTimeoutsIsSetConfigWithTheThreeTimeoutsInSeconds() =>
        Assert.Equal(
            Header(44, Family, 0x05, 11) + "0c010000" + "0800040084030000" + "080005001e000000" + "0800060005000000",
            Hex(IpvsMessages.SetTimeouts(Family, 11, new IpvsTimeouts(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(30.9), TimeSpan.FromSeconds(5)))));

    [Fact]
    public void DeleteServiceSendsOnlyTheIdentity() =>
        Assert.Equal(Header(56, Family, 0x05, 9) + "03010000" + "24000100" + WebIdentity, Hex(IpvsMessages.DeleteService(Family, 9, Web)));

    [Fact]
    public void NewDestinationIsNatWithAWeight() =>
        Assert.Equal(
            Header(116, Family, 0x05, 10) + "05010000" + "24000100" + WebIdentity
                + "3c000200" + "080001000af40102" + "060002001f900000" + "0800030000000000" + "0800040001000000"
                + "0800050000000000" + "0800060000000000" + "06000b0002000000",
            Hex(IpvsMessages.NewDestination(Family, 10, Web, Pod)));

    [Fact]
    public void SetServiceChangesTheSchedulerWithTheSameLayoutAsNew() =>
        Assert.Equal(
            Header(92, Family, 0x05, 15) + "02010000" + "48000100" + WebIdentity
                + "0800060077727200" + "0c000700" + "00000000ffffffff" + "0800080000000000" + "08000900ffffffff",
            Hex(IpvsMessages.SetService(Family, 15, Web with { Scheduler = "wrr" })));

    [Fact]
    public void SetDestinationToWeightZeroDrainsIt() =>
        Assert.Equal(
            Header(116, Family, 0x05, 11) + "06010000" + "24000100" + WebIdentity
                + "3c000200" + "080001000af40102" + "060002001f900000" + "0800030000000000" + "0800040000000000"
                + "0800050000000000" + "0800060000000000" + "06000b0002000000",
            Hex(IpvsMessages.SetDestination(Family, 11, Web, Pod with { Weight = 0 })));

    [Fact]
    public void DeleteDestinationSendsAddressPortAndFamily() =>
        Assert.Equal(
            Header(84, Family, 0x05, 12) + "07010000" + "24000100" + WebIdentity + "1c000200" + "080001000af40102" + "060002001f900000" + "06000b0002000000",
            Hex(IpvsMessages.DeleteDestination(Family, 12, Web, Pod)));

    [Fact]
    public void DumpsAskForEverythingOrForOneServicesDestinations()
    {
        Assert.Equal(Header(20, Family, 0x301, 13) + "04010000", Hex(IpvsMessages.DumpServices(Family, 13)));
        Assert.Equal(Header(56, Family, 0x301, 14) + "08010000" + "24000100" + WebIdentity, Hex(IpvsMessages.DumpDestinations(Family, 14, Web)));
    }
}
