using System.Diagnostics;
using System.Globalization;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Another process holds the xtables lock for 30 s while services change: the syncs wait and retry, the previous rules
/// keep serving, nothing of the change is half-applied, and once the lock is free the whole change lands. Only
/// iptables-legacy takes that lock (iptables-nft and nft have none), so the daemon is forced onto it, and pointed by
/// XTABLES_LOCKFILE at a lock file of this test's own: the host's /run/xtables.lock is never touched.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class XtablesLockScenarios
{
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WhileTheLockIsHeldTheOldRulesServe_ThenTheWholeChangeLands()
    {
        if (!ProxyModes.Chosen.Contains("iptables"))
        {
            Assert.Skip("iptables mode is not among KP_CONFORMANCE_MODES");
        }
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        var lockFile = Path.Combine(Directory.CreateTempSubdirectory("kps-xtables-").FullName, "xtables.lock");
        var environment = new Dictionary<string, string> { ["KUBE_PROXY_SHARP_IPTABLES_BACKEND"] = "legacy", ["XTABLES_LOCKFILE"] = lockFile };
        using var proxy = await RunningProxy.StartAsync(topology, "iptables", manifests.Directory, environment);
        var client = topology.Pod("client");
        await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome == ProbeOutcome.Answered, "the service answering", RunningProxy.StartDeadline);
        Assert.Contains("KUBE-SERVICES", await topology.InNodeAsync("iptables-legacy-save", "-t", "nat"));

        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", lockFile, "sleep", Held.TotalSeconds.ToString(CultureInfo.InvariantCulture)]))!;
        try
        {
            await Eventually.HoldsAsync(async () => (await Shell.RunAsync("flock", ["--nonblock", lockFile, "true"])).ExitCode != 0, "the lock held", TimeSpan.FromSeconds(10));
            // The change: web down to one pod, a new service, other gone.
            manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2"]));
            manifests.Write("late.yaml", Manifests.Service("late", "10.96.0.12", 80, 8080, ["10.244.1.9"]));
            manifests.Delete("other.yaml");

            var during = new List<ProbeResult>();
            var late = new List<ProbeResult>();
            while (!holder.HasExited)
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
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }
        }

        await Eventually.HoldsAsync(async () =>
        {
            var results = await Sync.ProbeManyAsync(8, client, "10.96.0.10", 80);
            return results.All(r => r.Pod == "web1") && (await Topology.ProbeAsync(client, "10.96.0.12", 80)).Pod == "other";
        }, "the change applied once the lock is free", TimeScale.Of(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(ProbeOutcome.Answered, (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome);
        Directory.Delete(Path.GetDirectoryName(lockFile)!, recursive: true);
    }
}
