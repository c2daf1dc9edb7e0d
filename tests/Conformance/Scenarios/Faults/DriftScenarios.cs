using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Someone else flushes or wipes our rules (`iptables -t nat -F`, `iptables -t nat -X`, `nft flush ruleset`,
/// `nft flush table`), or deletes one of iptables mode's canary chains: the next periodic sync, at most one
/// --sync-period later, asks the kernel whether it lost what was applied, is a full one, writes everything back, warns
/// and counts the repair; nothing is duplicated.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class DriftScenarios
{
    /// <summary>Short, so that the test waits little for the periodic sync.</summary>
    private const string SyncPeriod = "3s";

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task RulesFlushedBySomeoneElseAreRepairedWithinOneSyncPeriodAndCounted(string mode) =>
        await RepairedAsync(mode, mode == "iptables" ? ["iptables -t nat -F", "iptables -t filter -F"] : ["nft flush ruleset"]);

    /// <summary>What else an operator or a firewall reload does: one row per mode and fault.</summary>
    public static TheoryData<string, string> Wipes()
    {
        var rows = new TheoryData<string, string>();
        foreach (var (mode, fault) in new[]
        {
            // The nat table's chains deleted with its rules, canary included (upstream's signal of a wipe).
            ("iptables", "iptables -t nat -F;iptables -t nat -X"),
            // Only the mangle canary: nothing serves traffic there, but upstream resyncs fully when it is gone.
            ("iptables", "iptables -t mangle -X KUBE-PROXY-CANARY"),
            // The table's chains emptied, its sets and maps kept.
            ("nftables", "nft flush table ip kube-proxy"),
        })
        {
            if (ProxyModes.Chosen.Contains(mode))
            {
                rows.Add(mode, fault);
            }
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Wipes))]
    public async Task TablesWipedOrACanaryDeletedAreRepairedWithinOneSyncPeriodAndCounted(string mode, string fault) =>
        await RepairedAsync(mode, fault.Split(';'));

    private static async Task RepairedAsync(string mode, IReadOnlyList<string> fault)
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

        foreach (var command in fault)
        {
            await topology.InNodeAsync(command.Split(' '));
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
