using System.Net;
using Proxy.Core.Model;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>How this node recognises its pods' traffic (--detect-local-mode) and where node ports listen (--nodeport-addresses).</summary>
public class NodeNetworkTests
{
    private static readonly NodeContext WithAddresses = Node with
    {
        PodCidrs = EquatableArray.Create(IPNetwork.Parse("10.244.1.0/24"), IPNetwork.Parse("fd00:244:1::/64")),
        LocalAddresses = EquatableArray.Create(
            IPAddress.Parse("127.0.0.1"), IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.1"), IPAddress.Parse("10.244.1.1"),
            IPAddress.Parse("::1"), IPAddress.Parse("2001:db8::1")),
    };

    private static NodeNetwork Network(IpFamily family, ReconcileOptions options, NodeContext? node = null) =>
        Run("", options, node ?? WithAddresses).For(family).Node;

    [Fact]
    public void ClusterCidrModeUsesTheFirstCidrOfEachFamily_AFamilyWithoutOneHasNoDetector()
    {
        var options = Options with { ClusterCidrs = EquatableArray.Create(IPNetwork.Parse("10.244.0.0/16")) };

        Assert.Equal("ClusterCIDR 10.244.0.0/16", Network(IpFamily.IPv4, options).LocalDetector?.ToString());
        Assert.Null(Network(IpFamily.IPv6, options).LocalDetector);
    }

    [Fact]
    public void NodeCidrModeUsesTheNodesPodCidrs_AndNoneWhileTheNodeHasNone()
    {
        var options = Options with { DetectLocalMode = DetectLocalMode.NodeCIDR };

        Assert.Equal("NodeCIDR 10.244.1.0/24", Network(IpFamily.IPv4, options).LocalDetector?.ToString());
        Assert.Equal("NodeCIDR fd00:244:1::/64", Network(IpFamily.IPv6, options).LocalDetector?.ToString());
        Assert.Null(Network(IpFamily.IPv4, options, Node).LocalDetector);
    }

    [Theory]
    [InlineData(DetectLocalMode.BridgeInterface, "cbr0", "BridgeInterface cbr0", false)]
    [InlineData(DetectLocalMode.InterfaceNamePrefix, "veth", "InterfaceNamePrefix veth", true)]
    public void InterfaceModesApplyToBothFamilies(DetectLocalMode mode, string name, string expected, bool prefix)
    {
        var options = Options with { DetectLocalMode = mode, BridgeInterface = name, InterfaceNamePrefix = name };

        foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
        {
            var detector = Network(family, options).LocalDetector!;
            Assert.Equal(expected, detector.ToString());
            Assert.Equal(prefix, detector.IsPrefix);
        }
    }

    [Fact]
    public void UnsetNodePortAddressesMeanEveryLocalAddress_WithLoopbackOnlyForIpv4LocalhostNodePorts()
    {
        var localhost = Options with { LocalhostNodePorts = true };

        Assert.Equal(NodePortAddresses.AllLocalAddresses(loopback: true), Network(IpFamily.IPv4, localhost).NodePorts);
        Assert.Equal(NodePortAddresses.AllLocalAddresses(loopback: false), Network(IpFamily.IPv6, localhost).NodePorts);
        Assert.Equal(NodePortAddresses.AllLocalAddresses(loopback: false), Network(IpFamily.IPv4, Options).NodePorts);
    }

    [Fact]
    public void NodePortCidrsSelectTheLocalAddressesInThem_AFamilyWithoutACidrListensEverywhere()
    {
        var options = Options with { NodePortCidrs = EquatableArray.Create(IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24")) };

        Assert.Equal(NodePortAddresses.Only([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.1")], loopback: false), Network(IpFamily.IPv4, options).NodePorts);
        Assert.Equal(NodePortAddresses.AllLocalAddresses(loopback: false), Network(IpFamily.IPv6, options).NodePorts);
    }

    [Fact]
    public void PrimaryMeansTheNodeIPOfEachFamily()
    {
        var options = Options with { NodePortPrimary = true };

        Assert.Equal(NodePortAddresses.Only([IPAddress.Parse("192.0.2.1")], loopback: false), Network(IpFamily.IPv4, options).NodePorts);
        Assert.Equal(NodePortAddresses.Only([IPAddress.Parse("2001:db8::1")], loopback: false), Network(IpFamily.IPv6, options).NodePorts);
    }

    [Fact]
    public void LoopbackInTheCidrsCountsOnlyForIpv4WithLocalhostNodePorts_OtherwiseItIsLeftOutWithAWarning()
    {
        var cidrs = EquatableArray.Create(IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("::1/128"));

        Assert.Equal(
            NodePortAddresses.Only([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("192.0.2.1")], loopback: true),
            Network(IpFamily.IPv4, Options with { NodePortCidrs = cidrs, LocalhostNodePorts = true }).NodePorts);
        var without = Run("", Options with { NodePortCidrs = cidrs }, WithAddresses);
        Assert.Equal(NodePortAddresses.Only([IPAddress.Parse("192.0.2.1")], loopback: false), without.IPv4.Node.NodePorts);
        Assert.Equal(NodePortAddresses.Only([], loopback: false), without.IPv6.Node.NodePorts);
        Assert.Contains(without.Warnings, w => w.Contains("127.0.0.1", StringComparison.Ordinal) && w.Contains("localhostNodePorts", StringComparison.Ordinal));
        Assert.Contains(without.Warnings, w => w.Contains("::1", StringComparison.Ordinal) && w.Contains("IPv6 loopback", StringComparison.Ordinal));
    }

    [Fact]
    public void AZeroCidrMeansEveryAddress() =>
        Assert.True(Network(IpFamily.IPv4, Options with { NodePortCidrs = EquatableArray.Create(IPNetwork.Parse("0.0.0.0/0")) }).NodePorts.AllLocal);
}
