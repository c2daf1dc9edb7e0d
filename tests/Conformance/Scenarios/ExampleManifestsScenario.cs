using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>The README's promise: deploy/examples programmed in a node namespace, answered through ClusterIPs and NodePorts.</summary>
[Collection(nameof(KernelCollection))]
public sealed class ExampleManifestsScenario
{
    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task TheExampleServicesAreProgrammedAndAnswer(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        // Pods at the addresses the example EndpointSlices name (10.244.1.10 is listed but not ready).
        foreach (var host in new[] { 2, 3, 4, 7, 8, 9, 10 })
        {
            await topology.AddPodAsync($"pod{host}", $"10.244.1.{host}");
            await topology.StartServerAsync($"pod{host}", 8080);
        }
        foreach (var host in new[] { 5, 6 })
        {
            await topology.AddPodAsync($"dns{host}", $"10.244.1.{host}");
            await topology.StartServerAsync($"dns{host}", 53, "udp");
            await topology.StartServerAsync($"dns{host}", 53);
        }
        await topology.AddPodAsync("client", "10.244.1.20");

        await Sync.OnceAsync(topology, Path.Combine(RepositoryRoot.Path, "deploy", "examples"), mode);

        var inspector = new ModeInspector(topology, mode);
        var listing = await inspector.ListingAsync();
        foreach (var (service, ip, port) in new[] { ("default/web:http", "10.96.0.10", 80), ("default/shop", "10.96.0.20", 80), ("kube-system/kube-dns:dns", "10.96.0.53", 53), ("kube-system/kube-dns:dns-tcp", "10.96.0.53", 53) })
        {
            Assert.Contains(inspector.ServiceMarker(service, ip, port), listing);
        }
        AnsweredBy(await Sync.ProbeManyAsync(30, topology.Pod("client"), "10.96.0.10", 80), "pod2", "pod3", "pod4");
        AnsweredBy(await Sync.ProbeManyAsync(30, topology.Client, Topology.NodeIP, 30080), "pod7", "pod8", "pod9");
        AnsweredBy(await Sync.ProbeManyAsync(24, topology.Pod("client"), "10.96.0.53", 53, "udp"), "dns5", "dns6");
        AnsweredBy(await Sync.ProbeManyAsync(24, topology.Pod("client"), "10.96.0.53", 53), "dns5", "dns6");
        Assert.Equal(ProbeOutcome.Refused, (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.30", 80)).Outcome);
    }

    private static void AnsweredBy(List<ProbeResult> results, params string[] pods)
    {
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(results));
        Assert.Equal(pods, results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
    }
}
