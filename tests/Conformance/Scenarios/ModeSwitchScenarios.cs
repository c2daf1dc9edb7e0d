using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// Switching --proxy-mode on a node that already has the other mode's rules: as upstream's platformCleanup, the new
/// mode removes the old one's leftovers as it starts, and nothing else. These are about two given modes each, not
/// the shared table of scenarios, so they do not run per ProxyModes.All.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class ModeSwitchScenarios
{
    [Fact]
    public async Task FromIptablesToNftables_NoKubeChainIsLeftInIptables_AndServicesAnswer()
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        await topology.InNodeAsync("iptables", "-t", "nat", "-N", "FOREIGN-TEST");
        await topology.InNodeAsync("iptables", "-t", "nat", "-A", "PREROUTING", "-s", "198.51.100.7/32", "-j", "FOREIGN-TEST");
        await Sync.OnceAsync(topology, manifests.Directory, "iptables");
        var iptables = new ModeInspector(topology, "iptables");
        var programmed = await iptables.DumpAsync();
        Assert.Contains(":KUBE-SERVICES", programmed);
        Assert.Contains(":KUBE-SERVICES", await topology.InNodeAsync("ip6tables-save"));

        // A dry run in the new mode shows the old chains going and leaves them in place.
        var dryRun = await topology.ProxyAsync("--dry-run", "--once", "--manifests", manifests.Directory, "--proxy-mode", "nftables",
            "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("-X KUBE-SERVICES", dryRun.Stdout);
        Assert.Equal(programmed, await iptables.DumpAsync());

        await Sync.OnceAsync(topology, manifests.Directory, "nftables");

        var save = await topology.SaveAsync();
        Assert.DoesNotContain("KUBE-", ModeInspector.WithoutKubeletFirewall(save));
        Assert.DoesNotContain("KUBE-", await topology.InNodeAsync("ip6tables-save"));
        Assert.Contains(":FOREIGN-TEST", save);
        Assert.Contains("-A PREROUTING -s 198.51.100.7/32 -j FOREIGN-TEST", save);
        Assert.Contains("table ip kube-proxy", await topology.InNodeAsync("nft", "list", "ruleset"));
        await AssertServicesAnswerAsync(topology);
    }

    [Fact]
    public async Task FromNftablesToIptables_NoKubeProxyTableIsLeft_AndServicesAnswer()
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        await topology.InNodeAsync("nft", "add", "table", "ip", "foreign");
        await Sync.OnceAsync(topology, manifests.Directory, "nftables");
        var before = await topology.InNodeAsync("nft", "list", "ruleset");
        Assert.Contains("table ip kube-proxy", before);
        Assert.Contains("table ip6 kube-proxy", before);

        await Sync.OnceAsync(topology, manifests.Directory, "iptables");

        var ruleset = await topology.InNodeAsync("nft", "list", "ruleset");
        Assert.DoesNotContain("table ip kube-proxy", ruleset);
        Assert.DoesNotContain("table ip6 kube-proxy", ruleset);
        Assert.Contains("table ip foreign", ruleset);
        Assert.Contains(":KUBE-SERVICES", await topology.SaveAsync());
        await AssertServicesAnswerAsync(topology);
    }

    /// <summary>Both services answer, each from its own endpoints, through the new mode's rules alone.</summary>
    private static async Task AssertServicesAnswerAsync(Topology topology)
    {
        var web = await Sync.ProbeManyAsync(6, topology.Pod("client"), "10.96.0.10", 80);
        Assert.True(web.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(web));
        Assert.All(web, r => Assert.Contains(r.Pod, new[] { "web1", "web2", "web3" }));
        var other = await Sync.ProbeManyAsync(3, topology.Pod("client"), "10.96.0.11", 80);
        Assert.True(other.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "other"), Sync.Describe(other));
    }
}
