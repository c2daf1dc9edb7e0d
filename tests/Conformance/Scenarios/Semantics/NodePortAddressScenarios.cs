using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// Where node ports listen, with real traffic: on every node address by default, only on the chosen ones with
/// nodePortAddresses (CIDRs or "primary"), and on 127.0.0.1 exactly when upstream's rules say so (iptables mode,
/// IPv4, iptables.localhostNodePorts, 127.0.0.1 a node-port address). The node has 192.0.2.1 and 192.0.2.100.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class NodePortAddressScenarios
{
    private const int NodePort = 30013;

    // settings (KubeProxyConfiguration lines), answers on 192.0.2.1, on 192.0.2.100, on 127.0.0.1 (iptables mode)
    private static readonly (string What, string Settings, bool NodeIP, bool Second, bool Loopback)[] Cases =
    [
        ("defaults", "", true, true, true),
        ("a CIDR", "nodePortAddresses: [192.0.2.1/32]", true, false, false),
        ("primary (the Node's InternalIP)", "nodePortAddresses: [primary]", true, false, false),
        ("a CIDR holding loopback", "nodePortAddresses: [192.0.2.100/32, 127.0.0.0/8]", false, true, true),
        ("localhost node ports off", "iptables: {localhostNodePorts: false}", true, true, false),
    ];

    public static TheoryData<string, string, string, bool, bool, bool> Rows()
    {
        var rows = new TheoryData<string, string, string, bool, bool, bool>();
        foreach (var mode in SemanticsModes.Chosen)
        {
            foreach (var (what, settings, nodeIP, second, loopback) in Cases)
            {
                rows.Add(mode, what, settings, nodeIP, second, loopback);
            }
        }
        return rows;
    }

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(Rows))]
    public async Task NodePortsListenWhereTheSettingsSay(string mode, string what, string settings, bool onNodeIP, bool onSecondAddress, bool onLoopback)
    {
        await using var topology = await Topology.CreateAsync();
        using var manifests = new Manifests();
        await topology.AddPodAsync("web1", "10.244.1.11");
        await topology.StartServerAsync("web1", 8080);
        await topology.AddNodeAddressAsync("192.0.2.100");
        manifests.Write("np.yaml", Manifests.Service("np", "10.96.1.13", 80, 8080, ["10.244.1.11"], nodePort: NodePort) + """
            ---
            apiVersion: v1
            kind: Node
            metadata: {name: node-1}
            status: {addresses: [{type: InternalIP, address: 192.0.2.1}]}

            """);
        var config = Path.Combine(manifests.Directory, "config.conf");
        File.WriteAllText(config, $"""
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: {mode}
            clusterCIDR: {Topology.ClusterCidr}
            hostnameOverride: node-1
            {settings}

            """);

        var result = await topology.ProxyAsync("--config", config, "--once", "--manifests", manifests.Directory);
        Assert.True(result.ExitCode == 0, result.ToString());

        await Expect(topology.Client, Topology.NodeIP, onNodeIP);
        await Expect(topology.Client, "192.0.2.100", onSecondAddress);
        // Only iptables mode has localhost node ports.
        await Expect(topology.Node, "127.0.0.1", onLoopback && mode == "iptables");

        async Task Expect(string from, string address, bool answers)
        {
            var probe = await Topology.ProbeAsync(from, address, NodePort);
            Assert.True(answers ? probe.Outcome == ProbeOutcome.Answered : probe.Outcome != ProbeOutcome.Answered,
                $"{what}: {address}:{NodePort} from {from} should {(answers ? "" : "not ")}answer: {probe}");
        }
    }
}
