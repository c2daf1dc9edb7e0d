using System.Net;
using Proxy.Validation;

namespace Proxy.Tests.Validation;

/// <summary>upstream's ParseIPSloppy / ParseCIDRSloppy, plus the API server's refusal of IPv4-mapped IPv6 (CVE-2021-29923).</summary>
public class KubernetesAddressesTests
{
    [Theory]
    [InlineData("10.96.0.10", "10.96.0.10")]
    [InlineData("10.96.0.010", "10.96.0.10")] // decimal, never octal (.NET and libc read 010 as 8)
    [InlineData("010.096.000.001", "10.96.0.1")]
    [InlineData("0000010.0.0.0000255", "10.0.0.255")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("fd00::10", "fd00::10")]
    [InlineData("FD00:0:0:0:0:0:0:10", "fd00::10")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("1::", "1::")]
    [InlineData("2001:db8::1.2.3.4", "2001:db8::102:304")]
    [InlineData("::1.2.3.4", "::1.2.3.4")]
    [InlineData("1:2:3:4:5:6:1.2.3.004", "1:2:3:4:5:6:102:304")]
    [InlineData("0001:0db8::0001", "1:db8::1")]
    public void AcceptsWhatUpstreamReads(string text, string expected)
    {
        Assert.True(KubernetesAddresses.TryParseIP(text, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("10.96.7")] // short form
    [InlineData("10.96")]
    [InlineData("167772161")] // integer form
    [InlineData("0x0a.0.0.1")] // hex forms
    [InlineData("0x0a000001")]
    [InlineData("10.0.0.0x1")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.1000")]
    [InlineData("1.2.3.4.")]
    [InlineData(".1.2.3.4")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1 ")]
    [InlineData("10.0.0.1\n")]
    [InlineData("+1.2.3.4")]
    [InlineData("1.2.3.-4")]
    [InlineData("١.٢.٣.٤")] // non-ASCII digits
    [InlineData("::ffff:10.0.0.1")] // IPv4-mapped: Go reads it as IPv4, the kernel tools as IPv6
    [InlineData("::ffff:0a00:0001")]
    [InlineData("0:0:0:0:0:ffff:10.0.0.1")]
    [InlineData("fe80::1%eth0")] // zone
    [InlineData("fe80::1%25eth0")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData(":1")]
    [InlineData("1:")]
    [InlineData(":::")]
    [InlineData("1::2::3")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4::5:6:7:8")] // an ellipsis must stand for at least one group
    [InlineData("00001::")] // five hex digits
    [InlineData("g::1")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")] // the IPv4 part does not fit
    [InlineData("::1.2.3")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("1.2.3.4::")]
    public void RefusesEverythingElse(string? text) => Assert.False(KubernetesAddresses.TryParseIP(text, out _));

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")] // host bits cleared, as net.ParseCIDR
    [InlineData("010.0.0.0/08", "10.0.0.0/8")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("192.168.1.1/32", "192.168.1.1/32")]
    [InlineData("fd00::/64", "fd00::/64")]
    [InlineData("fd00::1/128", "fd00::1/128")]
    public void ReadsCidrs(string text, string expected)
    {
        Assert.True(KubernetesAddresses.TryParseCidr(text, out var network));
        Assert.Equal(IPNetwork.Parse(expected), network);
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0/8")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("fd00::/129")]
    [InlineData("::ffff:10.0.0.0/104")]
    [InlineData("fe80::%eth0/64")]
    [InlineData("/8")]
    public void RefusesOtherCidrs(string text) => Assert.False(KubernetesAddresses.TryParseCidr(text, out _));

    [Theory]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.22", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("169.254.169.254", "link-local range")]
    [InlineData("fe80::1", "link-local range")]
    [InlineData("febf::1", "link-local range")]
    [InlineData("224.0.0.1", "link-local multicast")]
    [InlineData("ff02::1", "link-local multicast")]
    [InlineData("ff12::1", "link-local multicast")]
    public void EndpointAndExternalAddressesMayNotBeSpecial(string text, string expected)
    {
        Assert.True(KubernetesAddresses.TryParseIP(text, out var address));
        Assert.Contains(expected, KubernetesAddresses.SpecialAddressProblem(address));
    }

    [Theory]
    [InlineData("10.244.1.2")]
    [InlineData("192.0.2.1")]
    [InlineData("0.0.0.1")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.1")]
    [InlineData("169.253.0.1")]
    [InlineData("224.0.1.1")] // multicast, but not link-local: the API server accepts it
    [InlineData("fd00::1")]
    [InlineData("fec0::1")]
    [InlineData("ff05::1")]
    [InlineData("::2")]
    public void OtherAddressesAreFine(string text)
    {
        Assert.True(KubernetesAddresses.TryParseIP(text, out var address));
        Assert.Null(KubernetesAddresses.SpecialAddressProblem(address));
    }
}
