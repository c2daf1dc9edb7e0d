using Proxy.Conformance.Tests.Harness;
using static Proxy.Conformance.Tests.Scenarios.Semantics.SemanticsManifests;
using static Proxy.Conformance.Tests.Scenarios.Semantics.SemanticsWorld;

namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// The Service-semantics table, with real traffic: each row probes one behaviour of <see cref="SemanticsWorld"/>
/// from the external client, a pod and the node, and checks who answers, what source they saw, and whether the
/// connection was refused (REJECT) or silently dropped (DROP).
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class ServiceSemanticsScenarios(SemanticsFixture fixture) : IClassFixture<SemanticsFixture>
{
    private const string Node = Topology.NodeIP;

    /// <summary>What masqueraded traffic looks like to a pod: the node's address on the path to it.</summary>
    private static readonly string[] NodeSources = [Topology.NodeIP, Topology.PodGateway];

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task ExternalIPsAnswerTheClientAPodAndTheNode(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        foreach (var from in new[] { t.Client, t.Pod("client"), t.Node })
        {
            var result = await Topology.ProbeAsync(from, ExternalIP, 80);
            AnsweredBy(result, "web1", $"from {from}");
        }
        // Cluster policy: external traffic is masqueraded, it may cross nodes.
        Assert.Contains((await Topology.ProbeAsync(t.Client, ExternalIP, 80)).SourceSeen, NodeSources);
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task LoadBalancerIPsAnswerTheClientAPodAndTheNode(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        foreach (var from in new[] { t.Client, t.Pod("client"), t.Node })
        {
            AnsweredBy(await Topology.ProbeAsync(from, LoadBalancerIP, 80), "web1", $"from {from}");
        }
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task SourceRangesAdmitOnlyTheirSourcesToTheLoadBalancerIP_NeverToTheNodePort(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        AnsweredBy(await Topology.ProbeAsync(t.Client, RangedLoadBalancerIP, 80, source: "192.0.2.3"), "web1", "from inside the range");
        var outside = await Topology.ProbeAsync(t.Client, RangedLoadBalancerIP, 80, source: Topology.ClientIP);
        Assert.True(outside.Outcome == ProbeOutcome.TimedOut, $"from outside the range: {outside}");
        AnsweredBy(await Topology.ProbeAsync(t.Client, Node, 30003, source: Topology.ClientIP), "web1", "node port from outside the range");
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task ExternalPolicyLocalFromOutside_OnlyLocalEndpointsAnswer_SeeingTheClient_AndDropsWithoutOne(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        foreach (var (ip, port) in new[] { (Node, 30004), (LocalLoadBalancerIP, 80) })
        {
            var results = await Sync.ProbeManyAsync(12, t.Client, ip, port);
            Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "web2" && r.SourceSeen == Topology.ClientIP), $"{ip}:{port}: {Sync.Describe(results)}");
        }
        var none = await Topology.ProbeAsync(t.Client, Node, 30005);
        if (SemanticsModes.Expect(mode).LocalPolicyFallsBackToClusterSet)
        {
            // Still unmasqueraded: the reply finds its way back only because rem2 routes through this node.
            Assert.True(none.Outcome == ProbeOutcome.Answered && none.Pod == "rem2" && none.SourceSeen == Topology.ClientIP, $"no local endpoint: the cluster set answers: {none}");
        }
        else
        {
            Assert.True(none.Outcome == ProbeOutcome.TimedOut, $"no local endpoint: dropped, not refused: {none}");
        }
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task ExternalPolicyLocalFromAPodOrTheNode_ShortCircuitsToEveryEndpoint(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        var shortCircuits = SemanticsModes.Expect(mode).ExternalLocalShortCircuits;
        string[] answering = shortCircuits ? ["rem1", "web2"] : ["web2"];
        var fromPod = await Sync.ProbeManyAsync(20, t.Pod("client"), LocalLoadBalancerIP, 80);
        Assert.True(fromPod.All(r => r.Outcome == ProbeOutcome.Answered && r.SourceSeen == ClientPod), Sync.Describe(fromPod));
        Assert.Equal(answering, fromPod.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        // Even where no endpoint is local, a pod reaches the service through its node port.
        AnsweredBy(await Topology.ProbeAsync(t.Pod("client"), Node, 30005), "rem2", "pod to a node port with no local endpoint");
        var fromNode = await Sync.ProbeManyAsync(6, t.Node, LocalLoadBalancerIP, 80);
        // Without the short-circuit nothing masquerades the node's connection: it leaves from the address it dialled,
        // which is local (bound to kube-ipvs0).
        string[] nodeSources = shortCircuits ? NodeSources : [.. NodeSources, LocalLoadBalancerIP];
        Assert.True(fromNode.All(r => r.Outcome == ProbeOutcome.Answered && nodeSources.Contains(r.SourceSeen) && r.Pod is { } pod && answering.Contains(pod)), Sync.Describe(fromNode));
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task InternalPolicyLocal_OnlyLocalEndpointsAnswer_AndDropsWithoutOne(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        var results = await Sync.ProbeManyAsync(12, t.Pod("client"), "10.96.1.6", 80);
        Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "web1"), Sync.Describe(results));
        var none = await Topology.ProbeAsync(t.Pod("client"), "10.96.1.7", 80);
        if (SemanticsModes.Expect(mode).LocalPolicyFallsBackToClusterSet)
        {
            // A ClusterIP-only service uses no cluster set: the virtual server has no real server, IPVS answers port unreachable.
            Assert.True(none.Outcome == ProbeOutcome.Refused, $"no local endpoint and no cluster set: refused: {none}");
        }
        else
        {
            Assert.True(none.Outcome == ProbeOutcome.TimedOut, $"no local endpoint: dropped, not refused: {none}");
        }
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task ClientIPAffinity_AClientKeepsItsEndpoint_OthersCanLandElsewhere(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        var first = await Sync.ProbeManyAsync(20, t.Pod("client"), "10.96.1.8", 80);
        Assert.True(first.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(first));
        Assert.Single(first.Select(r => r.Pod).Distinct());
        var chosen = new HashSet<string>(StringComparer.Ordinal) { first[0].Pod! };
        foreach (var source in ClientSources)
        {
            var results = new List<ProbeResult>();
            for (var i = 0; i < 3; i++)
            {
                results.Add(await Topology.ProbeAsync(t.Client, "10.96.1.8", 80, source: source));
            }
            Assert.True(results.All(r => r.Outcome == ProbeOutcome.Answered), $"{source}: {Sync.Describe(results)}");
            Assert.Single(results.Select(r => r.Pod).Distinct());
            chosen.Add(results[0].Pod!);
        }
        // Nine clients over four endpoints all landing on one would happen by chance once in 65,536 runs.
        Assert.True(chosen.Count > 1, $"every client landed on {string.Join(", ", chosen)}");
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task TopologyHints_ByZoneAndByNode(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        var byZone = await Sync.ProbeManyAsync(20, t.Pod("client"), "10.96.1.9", 80);
        Assert.True(byZone.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(byZone));
        Assert.Equal(["rem2", "web1"], byZone.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal));
        var byNode = await Sync.ProbeManyAsync(10, t.Pod("client"), "10.96.1.10", 80);
        Assert.True(byNode.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "web2"), Sync.Describe(byNode));
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.All), MemberType = typeof(SemanticsModes))]
    public async Task TerminatingFallback_ForTheClusterSetAndForTheLocalSet(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        var cluster = await Sync.ProbeManyAsync(8, t.Pod("client"), "10.96.1.11", 80);
        Assert.True(cluster.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "term2"), $"only the serving terminating endpoint: {Sync.Describe(cluster)}");
        var local = await Sync.ProbeManyAsync(8, t.Client, Node, 30012);
        Assert.True(local.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "term1"), $"the local terminating endpoint: {Sync.Describe(local)}");
        // The cluster set has a ready endpoint elsewhere, so it does not fall back.
        var internalTraffic = await Sync.ProbeManyAsync(8, t.Pod("client"), "10.96.1.12", 80);
        Assert.True(internalTraffic.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "rem1"), Sync.Describe(internalTraffic));
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(SemanticsModes.WithGuardRails), MemberType = typeof(SemanticsModes))]
    public async Task GuardRails_AClusterIPsUnknownPortIsRejected_AnUnallocatedServiceAddressIsDropped(string mode)
    {
        var world = await fixture.WorldAsync(mode);
        var t = world.Topology;

        foreach (var from in new[] { t.Pod("client"), t.Node })
        {
            // Without the guard rails both would be routed away: the first to nowhere (silence), the second to the
            // outside, which answers with a reset.
            var unknownPort = await Topology.ProbeAsync(from, "10.96.1.1", 81);
            Assert.True(unknownPort.Outcome == ProbeOutcome.Refused, $"from {from}, a cluster IP's unknown port is rejected: {unknownPort}");
            var unallocated = await Topology.ProbeAsync(from, Unallocated, 80);
            Assert.True(unallocated.Outcome == ProbeOutcome.TimedOut, $"from {from}, an unallocated service address is dropped: {unallocated}");
        }
        AnsweredBy(await Topology.ProbeAsync(t.Pod("client"), "10.96.1.1", 80), "web1", "the cluster IP's own port still answers");
    }

    private static void AnsweredBy(ProbeResult result, string pod, string what) =>
        Assert.True(result.Outcome == ProbeOutcome.Answered && result.Pod == pod, $"{what}: expected {pod}, got {result}");
}
