using System.Diagnostics;
using System.Globalization;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// The kernel tool killed mid-apply, and the proxy SIGKILLed mid-sync (its tool then reads a payload cut short), with
/// services removed in between: the next start converges to exactly what a start from a clean kernel programs, with no
/// duplicate rule and no stale chain, table object, element or virtual server. In ipvs mode the tools are ipset and
/// iptables-restore, which a sync runs before its IPVS operations: the kill leaves new sets beside the old virtual
/// servers.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class KilledMidSyncScenarios
{
    /// <summary>Enough service ports that a full sync takes a while, and (iptables-nft) is committed in stages.</summary>
    private const int Bulk = 300;

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task AfterKillsMidSyncTheNextStartConvergesWithNoDuplicateOrStaleRules(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        manifests.Write("bulk.yaml", BulkServices(Bulk));

        // 1: the tool killed while it applies; the daemon carries on, syncs every service (which later runs must
        // remove), then is SIGKILLed. A failed sync is retried one sync period later: a short one keeps the wait short.
        using (var proxy = RunningProxy.Start(topology, mode, manifests.Directory, null, "--sync-period", "3s"))
        {
            var tool = await ToolRunningAsync(proxy);
            Process.GetProcessById(tool).Kill();
            await RunningProxy.Started(proxy);
            await proxy.KillAsync();
        }
        // 2: fewer services, and the daemon SIGKILLed as soon as its tool runs: the tool reads a payload cut short.
        manifests.Write("bulk.yaml", BulkServices(Bulk / 2));
        using (var proxy = RunningProxy.Start(topology, mode, manifests.Directory, null))
        {
            var tool = await ToolRunningAsync(proxy);
            await proxy.KillAsync();
            await WaitGoneAsync(tool);
        }
        // 3: other services again, killed at an arbitrary point.
        manifests.Write("bulk.yaml", BulkServices(Bulk / 3));
        using (var proxy = RunningProxy.Start(topology, mode, manifests.Directory, null))
        {
            await Task.Delay(TimeScale.Of(TimeSpan.FromSeconds(1.5)), TestContext.Current.CancellationToken);
            var tools = proxy.Children();
            await proxy.KillAsync();
            foreach (var tool in tools)
            {
                await WaitGoneAsync(tool);
            }
        }

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var inspector = new ModeInspector(topology, mode);
        var converged = await inspector.DumpAsync();
        var results = await Sync.ProbeManyAsync(12, topology.Pod("client"), "10.96.0.10", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));

        var cleanup = await topology.ProxyAsync("--cleanup", "--proxy-mode", mode);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        await Sync.OnceAsync(topology, manifests.Directory, mode);
        Assert.Equal(Dumps.Lines(await inspector.DumpAsync()), Dumps.Lines(converged));
        foreach (var gone in new[] { Bulk / 3, Bulk - 1 })
        {
            Assert.DoesNotContain(inspector.ServiceMarker($"bulk{gone}", BulkIP(gone), 80), converged);
        }
    }

    private static string BulkIP(int i) => $"10.96.{10 + (i / 200)}.{(i % 200) + 1}";

    /// <summary>Services bulk0..bulk{n-1}, each with endpoints that no pod answers for (only rules are compared).</summary>
    private static string BulkServices(int n) => string.Join("---\n", Enumerable.Range(0, n).Select(i =>
        Manifests.Service($"bulk{i}", BulkIP(i), 80, 8080, [$"10.244.{10 + (i / 100)}.{(i % 100) + 1}", $"10.244.{20 + (i / 100)}.{(i % 100) + 1}"])));

    /// <summary>
    /// Waits until the daemon runs its kernel tool (iptables-restore or nft), and returns its pid. Polls without pause:
    /// the tool may run for well under a second.
    /// </summary>
    private static async Task<int> ToolRunningAsync(RunningProxy proxy)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < RunningProxy.StartDeadline)
        {
            Assert.False(proxy.Process.HasExited, "the daemon exited");
            if (proxy.Children().FirstOrDefault(IsApplyTool) is var found and not 0)
            {
                return found;
            }
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
        Assert.Fail("the daemon never ran its kernel tool");
        return 0;
    }

    private static bool IsApplyTool(int pid)
    {
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return command.Contains("restore", StringComparison.Ordinal) || command.StartsWith("nft -f", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A tool left running by a killed daemon ends on its own once its input is closed; the test waits for it.</summary>
    private static Task WaitGoneAsync(int pid) => Eventually.HoldsAsync(
        () => Task.FromResult(!Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z"),
        $"tool {pid.ToString(CultureInfo.InvariantCulture)} gone", TimeScale.Of(TimeSpan.FromSeconds(30)));
}
