using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// The proxy is restarted five times (alternately SIGTERM, as a rolling update does, and SIGKILL, as the OOM killer
/// does) while a client opens 200 connections a second to a ClusterIP and a NodePort: not one is lost, because a new
/// process never removes working rules before its own are in place.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class RestartScenarios
{
    /// <summary>
    /// 200 a second, as the issue asks, on a real node; scaled down where the machine is slower (the emulated IPVS VM,
    /// KP_TIME_SCALE=10: 20 a second), where 200 in-process probes a second starve the restarting proxy of CPU.
    /// </summary>
    private static readonly int ConnectionsPerSecond = (int)(200 / TimeScale.Factor);

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task RestartsUnderLoadLoseNoConnection(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2", "10.244.1.3", "10.244.1.4"], nodePort: 30080));
        var proxy = await RunningProxy.StartAsync(topology, mode, manifests.Directory);
        try
        {
            await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(topology.Client, Topology.NodeIP, 30080)).Outcome == ProbeOutcome.Answered,
                "the node port answering", RunningProxy.StartDeadline);

            await using var load = new SteadyLoad(ConnectionsPerSecond, (topology.Pod("client"), "10.96.0.10", 80), (topology.Client, Topology.NodeIP, 30080));
            // When each stop and start happened (UTC, as the proxy's log lines), to set a lost connection beside them.
            var timeline = new List<string>();
            void Mark(string what) => timeline.Add($"{SteadyLoad.Clock(DateTime.UtcNow)} {what}");
            for (var restart = 0; restart < 5; restart++)
            {
                Mark(restart % 2 == 0 ? "SIGTERM" : "SIGKILL");
                await (restart % 2 == 0 ? proxy.TerminateAsync() : proxy.KillAsync());
                proxy.Dispose();
                Mark("stopped, starting");
                proxy = await RunningProxy.StartAsync(topology, mode, manifests.Directory);
                Mark("started");
            }
            await load.StopAsync();

            var described = $"{load.Describe()}; restarts: {string.Join(", ", timeline)}";
            Assert.True(load.Results.Count > 200, described);
            Assert.True(load.Results.All(r => r.Result.Outcome == ProbeOutcome.Answered), described);
            TestContext.Current.TestOutputHelper?.WriteLine(load.Describe());
        }
        finally
        {
            proxy.Dispose();
        }
    }
}
