using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Proxy.Cli;
using Proxy.Core.Exec;

namespace Proxy.Tests;

public class BackendFactoryTests
{
    [Theory]
    [InlineData("nftables", new[] { "iptables", "ipvs" })]
    // iptables and IPVS modes share chain names (KUBE-SERVICES, KUBE-POSTROUTING...): neither removes the other's.
    [InlineData("iptables", new[] { "nftables" })]
    [InlineData("ipvs", new[] { "nftables" })]
    public void EachModeRemovesTheLeftoversOfTheModesUpstreamsPlatformCleanupRemoves(string mode, string[] leftovers)
    {
        var options = Flags.Parse(["--proxy-mode", mode, "--manifests", "/m"]).Options!;

        var backends = BackendFactory.CreateLeftovers(options, Mock.Of<ICommandRunner>(MockBehavior.Strict), NullLoggerFactory.Instance);

        Assert.Equal(leftovers, BackendFactory.LeftoverModes(mode));
        Assert.Equal(leftovers, backends.Select(b => b.Mode));
        Assert.DoesNotContain(mode, backends.Select(b => b.Mode));
    }
}
