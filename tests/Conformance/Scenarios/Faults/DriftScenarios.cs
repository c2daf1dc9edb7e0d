using System.Globalization;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Someone else flushes or wipes what a mode programmed (`iptables -t nat -F`, `iptables -t nat -X`, `nft flush
/// ruleset`, `nft flush table`, `ipvsadm -C`), or deletes one of iptables mode's canary chains: the next periodic sync,
/// at most one --sync-period later, asks the kernel whether it lost what was applied, is a full one, writes everything
/// back as it was, warns and counts the repair; nothing is duplicated. "Within one sync period" is counted in syncs,
/// not seconds: by the end of the second sync to finish after the fault (the first may have been under way already),
/// the rules are back.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class DriftScenarios
{
    /// <summary>
    /// Short, so that the test waits little for the periodic sync, but longer than a sync (~10 s in the emulated IPVS
    /// VM), so that a dump taken as a sync ends sees no sync's work half done (ipvs mode's staging sets).
    /// </summary>
    private static readonly string SyncPeriod = ((int)TimeScale.Of(TimeSpan.FromSeconds(3)).TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";

    private const string Repairs = "kps_sync_proxy_rules_drift_repairs_total{ip_family=\"IPv4\"}";

    /// <summary>Each mode's form of the fault: the commands an operator or another tool would run.</summary>
    private static readonly Dictionary<string, string[][]> SomeoneElsesFlush = new()
    {
        ["iptables"] = [["iptables", "-t", "nat", "-F"], ["iptables", "-t", "filter", "-F"]],
        ["nftables"] = [["nft", "flush", "ruleset"]],
        // Every virtual server gone, and with them the entries of every ipset and the iptables rules ipvs mode writes.
        ["ipvs"] = [["ipvsadm", "-C"], ["ipset", "flush"], ["iptables", "-t", "nat", "-F"], ["iptables", "-t", "filter", "-F"]],
    };

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task RulesFlushedBySomeoneElseAreRepairedWithinOneSyncPeriodAndCounted(string mode) =>
        await RepairedAsync(mode, SomeoneElsesFlush[mode]);

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
        await RepairedAsync(mode, [.. fault.Split(';').Select(c => c.Split(' '))]);

    private static async Task RepairedAsync(string mode, IReadOnlyList<string[]> fault)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        using var proxy = await RunningProxy.StartAsync(topology, mode, manifests.Directory, null, "--sync-period", SyncPeriod);
        var client = topology.Pod("client");
        await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome == ProbeOutcome.Answered, "the service answering", RunningProxy.StartDeadline);
        var inspector = new ModeInspector(topology, mode);
        var syncs = proxy.Syncs;
        await Eventually.HoldsAsync(() => Task.FromResult(proxy.Syncs > syncs), "a periodic sync", TimeScale.Of(TimeSpan.FromSeconds(30)));
        var before = await inspector.DumpAsync();
        Assert.Equal(0, await proxy.MetricAsync(Repairs));

        syncs = proxy.Syncs;
        foreach (var command in fault)
        {
            await topology.InNodeAsync(command);
        }
        Assert.NotEqual(before, await inspector.DumpAsync());

        await Eventually.HoldsAsync(() => Task.FromResult(proxy.Syncs >= syncs + 2), "two more syncs", TimeScale.Of(TimeSpan.FromSeconds(30)));
        // Written back as it was: every rule (virtual server, set entry) once, no duplicate jump from a built-in chain.
        Assert.Equal(Dumps.Lines(before), Dumps.Lines(await inspector.DumpAsync()));
        var repairs = await proxy.MetricAsync(Repairs);
        Assert.True(repairs >= 1, "the repair was not counted");
        // A sync over rules that are as it left them repairs nothing: the count is of repairs, not of syncs.
        syncs = proxy.Syncs;
        await Eventually.HoldsAsync(() => Task.FromResult(proxy.Syncs > syncs), "one more sync", TimeScale.Of(TimeSpan.FromSeconds(30)));
        Assert.Equal(repairs, await proxy.MetricAsync(Repairs));
        var results = await Sync.ProbeManyAsync(12, client, "10.96.0.10", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(ProbeOutcome.Answered, (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome);
        Assert.False(proxy.Process.HasExited);
    }
}
