using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>Real TCP/UDP flows through the rules the proxy programs: who answers, and which source they see.</summary>
[Collection(nameof(KernelCollection))]
public sealed class TrafficScenarios
{
    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task ClusterIPSpreadsOverEveryEndpointOfThatServiceOnly(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await WebAndOther.SetUpAsync(topology, manifests);

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var results = await Sync.ProbeManyAsync(30, topology.Pod("client"), "10.96.0.10", 80);

        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(["web1", "web2", "web3"], results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        // Pod-to-service traffic from inside the cluster CIDR keeps its source.
        Assert.All(results, r => Assert.Equal("10.244.1.20", r.SourceSeen));
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task NodePortFromOutsideReachesTheEndpointsMasqueraded(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        foreach (var (pod, host) in new[] { ("shop1", 7), ("shop2", 8) })
        {
            await topology.AddPodAsync(pod, $"10.244.1.{host}");
            await topology.StartServerAsync(pod, 8080);
        }
        manifests.Write("shop.yaml", Manifests.Service("shop", "10.96.0.20", 80, 8080, ["10.244.1.7", "10.244.1.8"], nodePort: 30080));

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var results = await Sync.ProbeManyAsync(24, topology.Client, Topology.NodeIP, 30080);

        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(["shop1", "shop2"], results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        // The endpoint sees the node, not the client: replies must come back through the node to be un-NATed.
        Assert.All(results, r => Assert.Contains(r.SourceSeen, new[] { Topology.NodeIP, Topology.PodGateway }));
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task APodReachesItselfThroughItsOwnService(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await topology.AddPodAsync("lonely", "10.244.1.30");
        await topology.StartServerAsync("lonely", 8080);
        manifests.Write("lonely.yaml", Manifests.Service("lonely", "10.96.0.40", 80, 8080, ["10.244.1.30"]));

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var result = await Topology.ProbeAsync(topology.Pod("lonely"), "10.96.0.40", 80);

        Assert.Equal(ProbeOutcome.Answered, result.Outcome);
        Assert.Equal("lonely", result.Pod);
        // Hairpin traffic is masqueraded, or the reply would go straight back to the pod and never be un-NATed.
        Assert.NotEqual("10.244.1.30", result.SourceSeen);
    }

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task AServiceWithoutEndpointsRefusesAtOnce(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await topology.AddPodAsync("client", "10.244.1.20");
        manifests.Write("pending.yaml", Manifests.Service("pending", "10.96.0.30", 80, 8080, [], nodePort: 30090));

        await Sync.OnceAsync(topology, manifests.Directory, mode);
        var viaClusterIP = await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.30", 80);
        var viaNodePort = await Topology.ProbeAsync(topology.Client, Topology.NodeIP, 30090);

        Assert.Equal(ProbeOutcome.Refused, viaClusterIP.Outcome);
        Assert.Equal(ProbeOutcome.Refused, viaNodePort.Outcome);
        Assert.True(viaClusterIP.Elapsed < TimeSpan.FromSeconds(1), $"refused only after {viaClusterIP.Elapsed}");
        Assert.True(viaNodePort.Elapsed < TimeSpan.FromSeconds(1), $"refused only after {viaNodePort.Elapsed}");
    }
}
