using System.Text.RegularExpressions;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>What happens to the kernel over time: updates, cleanup next to foreign rules, dry runs.</summary>
[Collection(nameof(KernelCollection))]
public sealed partial class LifecycleScenarios
{
    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task EditedManifestsAreFollowedAndOldChainsAreGone(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var inspector = new ModeInspector(topology, mode);
        var before = await inspector.ListingAsync();
        var other = inspector.ServiceMarker("default/other", "10.96.0.11", 80);
        Assert.Contains(other, before);
        // In iptables mode the removed endpoint and the deleted service own chains; in nftables mode, map elements;
        // in ipvs mode, a real server, and a virtual server with its address on kube-ipvs0 and its set entry.
        var save = await topology.SaveAsync();
        string[] gone = mode switch
        {
            "iptables" => [ChainJumpedToBy(save, "default/web:p -> 10.244.1.4:8080"), ChainJumpedToBy(save, "default/other:p cluster IP")],
            "nftables" => ["10.244.1.4 . 8080", "10.96.0.11 . tcp . 80"],
            _ => ["-> 10.244.1.4:8080", "TCP  10.96.0.11:80", "inet 10.96.0.11/32", "10.96.0.11,tcp:80"],
        };
        var dumpBefore = await inspector.DumpAsync();
        Assert.All(gone, g => Assert.Contains(g, dumpBefore));
        Assert.Equal(ProbeOutcome.Answered, (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.11", 80)).Outcome);

        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2", "10.244.1.3"]));
        manifests.Delete("other.yaml");
        await Sync.OnceAsync(topology, manifests.Directory, mode);

        var results = await Sync.ProbeManyAsync(24, topology.Pod("client"), "10.96.0.10", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(["web1", "web2"], results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        Assert.NotEqual(ProbeOutcome.Answered, (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.11", 80)).Outcome);
        var after = await inspector.DumpAsync();
        Assert.All(gone, g => Assert.DoesNotContain(g, after));
        Assert.DoesNotContain(other, after);
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task CleanupRemovesEverythingOursAndNothingElse(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await topology.InNodeAsync("iptables", "-t", "nat", "-N", "FOREIGN-TEST");
        await topology.InNodeAsync("iptables", "-t", "nat", "-A", "FOREIGN-TEST", "-p", "tcp", "--dport", "9999", "-j", "RETURN");
        await topology.InNodeAsync("iptables", "-t", "nat", "-A", "PREROUTING", "-s", "198.51.100.7/32", "-j", "FOREIGN-TEST");
        await topology.InNodeAsync("iptables", "-t", "filter", "-N", "FOREIGN-TEST");
        await topology.InNodeAsync("iptables", "-t", "filter", "-A", "FOREIGN-TEST", "-s", "198.51.100.8/32", "-j", "DROP");
        await topology.InNodeAsync("iptables", "-t", "filter", "-A", "FORWARD", "-s", "198.51.100.9/32", "-j", "FOREIGN-TEST");
        await topology.InNodeAsync("nft", "add", "table", "ip", "foreign");
        await topology.InNodeAsync("nft", "add", "chain", "ip", "foreign", "FOREIGN-NFT");
        await topology.InNodeAsync("nft", "add", "rule", "ip", "foreign", "FOREIGN-NFT", "ip", "saddr", "198.51.100.10", "counter");
        if (mode == "ipvs")
        {
            // Someone else's IPVS service and ipset, and their virtual server on the node's own address.
            await topology.InNodeAsync("ipvsadm", "-A", "-t", "198.51.100.7:443", "-s", "lc");
            await topology.InNodeAsync("ipvsadm", "-a", "-t", "198.51.100.7:443", "-r", "198.51.100.8:443", "-m");
            await topology.InNodeAsync("ipvsadm", "-A", "-u", $"{Topology.NodeIP}:53", "-s", "rr");
            await topology.InNodeAsync("ipset", "create", "FOREIGN-SET", "hash:ip");
            await topology.InNodeAsync("ipset", "add", "FOREIGN-SET", "198.51.100.9");
        }
        var inspector = new ModeInspector(topology, mode);
        var foreign = ForeignLines(await inspector.DumpAsync());
        Assert.Equal(6, foreign.Count(l => l.StartsWith(':') || l.StartsWith("-A", StringComparison.Ordinal)));
        Assert.Equal(mode == "nftables", foreign.Any(l => l.Contains("table ip foreign", StringComparison.Ordinal)));
        if (mode == "ipvs")
        {
            Assert.Contains(foreign, l => l.StartsWith("TCP  198.51.100.7:443 lc", StringComparison.Ordinal));
            Assert.Contains(foreign, l => l.StartsWith($"UDP  {Topology.NodeIP}:53 rr", StringComparison.Ordinal));
            Assert.Contains(foreign, l => l.StartsWith("add FOREIGN-SET 198.51.100.9", StringComparison.Ordinal));
        }
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"], nodePort: 30080));
        manifests.Write("pending.yaml", Manifests.Service("pending", "10.96.0.30", 80, 8080, []));

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        Assert.False(await inspector.NothingOursLeftAsync());
        Assert.Equal(foreign, ForeignLines(await inspector.DumpAsync()));

        var cleanup = await topology.ProxyAsync("--cleanup", "--proxy-mode", mode);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.True(await inspector.NothingOursLeftAsync(), await inspector.DumpAsync());
        Assert.Equal(foreign, ForeignLines(await inspector.DumpAsync()));
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task ADryRunPrintsThePayloadAndChangesNothing(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"]));
        var inspector = new ModeInspector(topology, mode);
        var before = await inspector.DumpAsync();

        var dryRun = await topology.ProxyAsync("--dry-run", "--once", "--manifests", manifests.Directory, "--proxy-mode", mode);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains(inspector.PayloadMarker, dryRun.Stdout);
        Assert.Contains(inspector.ServiceMarker("default/web:p", "10.96.0.10", 80), dryRun.Stdout);
        Assert.Equal(before, await inspector.DumpAsync());
    }

    /// <summary>The chain that a rule with <paramref name="comment"/> jumps to, from iptables-save output.</summary>
    private static string ChainJumpedToBy(string save, string comment)
    {
        var line = save.Split('\n').FirstOrDefault(l => l.Contains($"\"{comment}\"", StringComparison.Ordinal) && l.Contains("-j KUBE-", StringComparison.Ordinal));
        Assert.True(line is not null, $"no rule commented \"{comment}\" in:\n{save}");
        return JumpTarget().Match(line).Groups[1].Value;
    }

    /// <summary>The lines of a dump that belong to the foreign chains, rules and table the test planted.</summary>
    private static List<string> ForeignLines(string dump) =>
        [.. dump.Split('\n').Where(l => l.Contains("FOREIGN", StringComparison.Ordinal) || l.Contains("198.51.100.", StringComparison.Ordinal)
            || l.Contains("table ip foreign", StringComparison.Ordinal) || l.Contains($"{Topology.NodeIP}:53", StringComparison.Ordinal))];

    [GeneratedRegex(@"-j (KUBE-[A-Z0-9-]+)")]
    private static partial Regex JumpTarget();
}
