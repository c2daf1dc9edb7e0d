using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Someone else flushes our rules (`iptables -t nat -F`, `nft flush ruleset`): the next full sync, at most one
/// --sync-period later, finds them gone, writes them back, warns and counts the repair; nothing is duplicated.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class DriftScenarios
{
    /// <summary>Short, so that the test waits little for the periodic full sync.</summary>
    private const string SyncPeriod = "3s";

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task RulesFlushedBySomeoneElseAreRepairedWithinOneSyncPeriodAndCounted(string mode)
    {
        FaultModes.Require(mode);
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        using var proxy = await RunningProxy.StartAsync(topology, mode, manifests.Directory, null, "--sync-period", SyncPeriod);
        var client = topology.Pod("client");
        await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome == ProbeOutcome.Answered, "the service answering", RunningProxy.StartDeadline);
        var inspector = new ModeInspector(topology, mode);
        var before = await inspector.DumpAsync();
        Assert.Equal(0, await proxy.MetricAsync("kps_sync_proxy_rules_drift_repairs_total{ip_family=\"IPv4\"}"));

        if (mode == "iptables")
        {
            await topology.InNodeAsync("iptables", "-t", "nat", "-F");
            await topology.InNodeAsync("iptables", "-t", "filter", "-F");
        }
        else
        {
            await topology.InNodeAsync("nft", "flush", "ruleset");
        }
        Assert.NotEqual(before, await inspector.DumpAsync());

        await Eventually.HoldsAsync(async () => await proxy.MetricAsync("kps_sync_proxy_rules_drift_repairs_total{ip_family=\"IPv4\"}") >= 1,
            "the repair counted", TimeScale.Of(TimeSpan.FromSeconds(30)));
        var results = await Sync.ProbeManyAsync(12, client, "10.96.0.10", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(ProbeOutcome.Answered, (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome);
        // Written back as it was: every rule once, no duplicate jump from a built-in chain.
        Assert.Equal(Dumps.Lines(before), Dumps.Lines(await inspector.DumpAsync()));
        Assert.False(proxy.Process.HasExited);
    }
}
