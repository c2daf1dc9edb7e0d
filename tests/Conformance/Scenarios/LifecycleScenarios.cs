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
        foreach (var (pod, host) in new[] { ("web1", 2), ("web2", 3), ("web3", 4), ("other", 9) })
        {
            await topology.AddPodAsync(pod, $"10.244.1.{host}");
            await topology.StartServerAsync(pod, 8080);
        }
        await topology.AddPodAsync("client", "10.244.1.20");
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2", "10.244.1.3", "10.244.1.4"]));
        manifests.Write("other.yaml", Manifests.Service("other", "10.96.0.11", 80, 8080, ["10.244.1.9"]));
        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var before = await topology.SaveAsync();
        var removedEndpointChain = ChainJumpedToBy(before, "default/web:p -> 10.244.1.4:8080");
        var deletedServiceChain = ChainJumpedToBy(before, "default/other:p cluster IP");
        Assert.Equal(ProbeOutcome.Answered, (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.11", 80)).Outcome);

        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2", "10.244.1.3"]));
        manifests.Delete("other.yaml");
        await Sync.OnceAsync(topology, manifests.Directory, mode);

        var results = await Sync.ProbeManyAsync(24, topology.Pod("client"), "10.96.0.10", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(["web1", "web2"], results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        Assert.NotEqual(ProbeOutcome.Answered, (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.11", 80)).Outcome);
        var after = await topology.SaveAsync();
        Assert.DoesNotContain(removedEndpointChain, after);
        Assert.DoesNotContain(deletedServiceChain, after);
        Assert.DoesNotContain("default/other", after);
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
        var foreign = ForeignLines(await topology.SaveAsync());
        Assert.Equal(6, foreign.Count);
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"], nodePort: 30080));
        manifests.Write("pending.yaml", Manifests.Service("pending", "10.96.0.30", 80, 8080, []));

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var synced = await topology.SaveAsync();
        Assert.Contains("KUBE-SERVICES", synced);
        Assert.Equal(foreign, ForeignLines(synced));

        var cleanup = await topology.ProxyAsync("--cleanup", "--proxy-mode", mode);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        var cleaned = await topology.SaveAsync();
        Assert.DoesNotContain("KUBE-", cleaned);
        Assert.Equal(foreign, ForeignLines(cleaned));
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task ADryRunPrintsThePayloadAndChangesNothing(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"]));
        var before = WithoutComments(await topology.SaveAsync());

        var dryRun = await topology.ProxyAsync("--dry-run", "--once", "--manifests", manifests.Directory, "--proxy-mode", mode);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("KUBE-SERVICES", dryRun.Stdout);
        Assert.Contains("default/web:p", dryRun.Stdout);
        Assert.Equal(before, WithoutComments(await topology.SaveAsync()));
    }

    /// <summary>The chain that a rule with <paramref name="comment"/> jumps to, from iptables-save output.</summary>
    private static string ChainJumpedToBy(string save, string comment)
    {
        var line = save.Split('\n').FirstOrDefault(l => l.Contains($"\"{comment}\"", StringComparison.Ordinal) && l.Contains("-j KUBE-", StringComparison.Ordinal));
        Assert.True(line is not null, $"no rule commented \"{comment}\" in:\n{save}");
        return JumpTarget().Match(line).Groups[1].Value;
    }

    /// <summary>Rule and chain lines of iptables-save that are not ours (no KUBE-, no counters or comments).</summary>
    private static List<string> ForeignLines(string save) =>
        [.. WithoutComments(save).Split('\n').Where(l => l.Contains("FOREIGN", StringComparison.Ordinal) || l.Contains("198.51.100.", StringComparison.Ordinal))];

    /// <summary>iptables-save output without its timestamped "# Generated by" lines.</summary>
    private static string WithoutComments(string save) => string.Join('\n', save.Split('\n').Where(l => !l.StartsWith('#')));

    [GeneratedRegex(@"-j (KUBE-[A-Z0-9-]+)")]
    private static partial Regex JumpTarget();
}
