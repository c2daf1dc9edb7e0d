using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Proxy.Cli;
using Proxy.Core.Exec;
using Proxy.Tests.Conntrack;

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

    [Theory]
    [InlineData("", "0", true)]
    [InlineData("conntrack: {tcpBeLiberal: true}", "0", false)]
    [InlineData("", "1", false)]
    public void IptablesModeDropsInvalidPacketsUnlessConntrackIsLiberal(string conntrack, string kernel, bool dropInvalid)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("kps-factory-").FullName, "config.yaml");
        File.WriteAllText(file, $"apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n{conntrack}\n");
        var options = Flags.Parse(["--config", file, "--manifests", "/m"]).Options!;
        var sysctl = new FakeConntrackKernel();
        sysctl.Values["net/netfilter/nf_conntrack_tcp_be_liberal"] = kernel;

        Assert.Equal(dropInvalid, BackendFactory.IptablesSettings(options, sysctl).DropInvalid);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }
}
