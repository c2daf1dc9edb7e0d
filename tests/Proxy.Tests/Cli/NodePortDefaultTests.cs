using System.Net;
using Proxy.Cli;

namespace Proxy.Tests.Cli;

/// <summary>Unset --nodeport-addresses means every address, except in nftables mode, where upstream defaults it to "primary".</summary>
public class NodePortDefaultTests
{
    [Theory]
    [InlineData("iptables", false)]
    [InlineData("ipvs", false)]
    [InlineData("nftables", true)]
    public void UnsetNodePortAddressesArePrimaryOnlyInNftablesMode(string mode, bool primary)
    {
        var (options, error) = Flags.Parse(["--proxy-mode", mode]);

        Assert.Null(error);
        Assert.Equal(primary, options!.ReconcileOptions.NodePortPrimary);
        Assert.Empty(options.ReconcileOptions.NodePortCidrs);
    }

    [Fact]
    public void SetNodePortAddressesAreKeptInNftablesMode()
    {
        var options = new ProxyOptions { Config = { Mode = "nftables", NodePortAddresses = ["192.0.2.0/24"] } };

        Assert.False(options.ReconcileOptions.NodePortPrimary);
        Assert.Equal([IPNetwork.Parse("192.0.2.0/24")], options.ReconcileOptions.NodePortCidrs);
    }
}
