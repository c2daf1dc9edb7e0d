using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Another process holds the xtables lock for 30 s while a sync needs it: the sync waits and retries, the previous
/// rules keep serving, nothing of the change is half-applied, and once the lock is free the whole change lands. Only
/// iptables-legacy takes that lock (iptables-nft and nft have none, so nftables mode has no such fault), so the daemon
/// is forced onto it, and pointed by XTABLES_LOCKFILE at a lock file of this test's own: the host's /run/xtables.lock
/// is never touched.
/// <para>
/// How a sync meets the lock is the mode's: iptables mode writes rules at every sync, so a change made while the lock
/// is held waits for it. ipvs mode writes its iptables rules only in full syncs (they match on ipsets and depend on
/// no service), and a change alone is synced without them; the full sync it is sure to run is a new process's first,
/// so there the proxy is restarted with the change while the lock is held, as a rolling update may do while another
/// tool holds it.
/// </para>
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class XtablesLockScenarios
{
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(30);

    /// <summary>The daemon's log line of a failed sync ("Sync of ... rules failed; the previous rules stay in place").</summary>
    private const string FailedSync = "ProxyDaemon[101]";

    /// <summary>The chosen modes that write iptables rules through iptables-restore.</summary>
    public static TheoryData<string> ModesThatTakeTheLock => [.. ProxyModes.Chosen.Where(m => m is "iptables" or "ipvs")];

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(ModesThatTakeTheLock))]
    public async Task WhileTheLockIsHeldTheOldRulesServe_ThenTheWholeChangeLands(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        var lockDirectory = Directory.CreateTempSubdirectory("kps-xtables-").FullName;
        var lockFile = Path.Combine(lockDirectory, "xtables.lock");
        var environment = new Dictionary<string, string> { ["KUBE_PROXY_SHARP_IPTABLES_BACKEND"] = "legacy", ["XTABLES_LOCKFILE"] = lockFile };
        var proxy = await RunningProxy.StartAsync(topology, mode, manifests.Directory, environment);
        try
        {
            var client = topology.Pod("client");
            await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome == ProbeOutcome.Answered, "the service answering", RunningProxy.StartDeadline);
            var rulesBefore = await topology.InNodeAsync("iptables-legacy-save");
            Assert.Contains("KUBE-SERVICES", rulesBefore);

            using (var holder = await XtablesLockHolder.TakeAsync(lockFile))
            {
                if (mode == "ipvs")
                {
                    await proxy.TerminateAsync();
                    proxy.Dispose();
                }
                // The change: web down to one pod, a new service, other gone.
                manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"]));
                manifests.Write("late.yaml", Manifests.Service("late", "10.96.0.12", 80, 8080, ["10.244.1.9"]));
                manifests.Delete("other.yaml");
                if (mode == "ipvs")
                {
                    proxy = RunningProxy.Start(topology, mode, manifests.Directory, environment);
                    var waiting = proxy;
                    await Eventually.HoldsAsync(() => Task.FromResult(waiting.Logged(FailedSync) > 0 || waiting.Process.HasExited),
                        "the new process's first sync failing", RunningProxy.StartDeadline);
                    Assert.True(proxy.Logged("xtables lock") > 0, "the first sync failed, but not on the xtables lock");
                    Assert.Equal(0, proxy.Syncs);
                }

                var during = new List<ProbeResult>();
                var late = new List<ProbeResult>();
                var held = System.Diagnostics.Stopwatch.StartNew();
                while (held.Elapsed < Held)
                {
                    during.Add(await Topology.ProbeAsync(client, "10.96.0.11", 80));
                    during.AddRange(await Sync.ProbeManyAsync(3, client, "10.96.0.10", 80));
                    late.Add(await Topology.ProbeAsync(client, "10.96.0.12", 80));
                }
                // Old rules whole: other still there, web still spread over its three pods; the new service not there at all.
                Assert.True(during.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(during));
                Assert.True(during.Where(r => r.Pod != "other").Select(r => r.Pod).Distinct().Count() > 1, Sync.Describe(during));
                Assert.True(late.All(r => r.Outcome != ProbeOutcome.Answered), Sync.Describe(late));
                Assert.False(proxy.Process.HasExited, "the daemon exited while the lock was held");
                Assert.True(holder.Held, "the lock was let go before the test released it");
                await holder.ReleaseAsync();
            }

            await Eventually.HoldsAsync(async () =>
            {
                var results = await Sync.ProbeManyAsync(8, client, "10.96.0.10", 80);
                return results.All(r => r.Pod == "web1") && (await Topology.ProbeAsync(client, "10.96.0.12", 80)).Pod == "other";
            }, "the change applied once the lock is free", TimeScale.Of(TimeSpan.FromSeconds(30)));
            Assert.NotEqual(ProbeOutcome.Answered, (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome);
            if (mode == "ipvs")
            {
                // The rules were written whole, once: as they were (they depend on no service), no rule twice.
                Assert.Equal(Dumps.Lines(rulesBefore), Dumps.Lines(await topology.InNodeAsync("iptables-legacy-save")));
            }
        }
        finally
        {
            proxy.Dispose();
            Directory.Delete(lockDirectory, recursive: true);
        }
    }
}
