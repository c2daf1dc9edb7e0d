using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s.Models;
using Proxy.Conformance.Tests.Harness;
using Proxy.Testing.FakeApi;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// The API server goes away, changes happen meanwhile, and it comes back with its event history gone (a watch from the
/// daemon's resourceVersion gets 410 Gone): the rules are kept the whole time, then the daemon lists again and
/// converges. The outage is KP_API_OUTAGE_SECONDS long (default 20 s, to fit CI; the 2 minutes is 120).
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class ApiOutageScenarios
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("KP_API_OUTAGE_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 20);

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task RulesAreKeptThroughAnOutageAndConvergeAfter410Gone(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        foreach (var (pod, host) in new[] { ("web1", 2), ("web2", 3), ("web3", 4), ("other", 9) })
        {
            await topology.AddPodAsync(pod, $"10.244.1.{host}");
            await topology.StartServerAsync(pod, 8080);
        }
        await topology.AddPodAsync("client", "10.244.1.20");
        await using var server = FakeApiServer.Start(port => NetworkNamespace.Listen(topology.Node, new IPEndPoint(IPAddress.Loopback, port)));
        server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
        server.Apply(Service("web", "10.96.0.10"));
        server.Apply(Slice("web", "10.244.1.2", "10.244.1.3", "10.244.1.4"));
        server.Apply(Service("other", "10.96.0.11"));
        server.Apply(Slice("other", "10.244.1.9"));
        using var work = new Manifests();
        var kubeconfig = Kubeconfig.Write(Path.Combine(work.Directory, "kubeconfig"), server.Url);
        using var proxy = RunningProxy.Start(topology, null, "--kubeconfig", kubeconfig, "--proxy-mode", mode,
            "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        var client = topology.Pod("client");
        await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome == ProbeOutcome.Answered, "the services answering", RunningProxy.StartDeadline);
        var lists = server.ListRequests(ResourceKind.EndpointSlices);

        await server.StopAsync();
        // Meanwhile: web down to web3, other deleted; and the history the daemon could resume from is gone.
        server.Apply(Slice("web", "10.244.1.4"));
        server.Delete(ResourceKind.EndpointSlices, "default", "other-1");
        server.Delete(ResourceKind.Services, "default", "other");
        server.Compact();
        var outage = Stopwatch.StartNew();
        var during = new List<ProbeResult>();
        while (outage.Elapsed < Outage)
        {
            during.Add(await Topology.ProbeAsync(client, "10.96.0.10", 80));
            during.Add(await Topology.ProbeAsync(client, "10.96.0.11", 80));
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        Assert.True(during.All(r => r.Outcome == ProbeOutcome.Answered), Sync.Describe(during));
        Assert.True(during.Select(r => r.Pod).Distinct().Count() > 2, Sync.Describe(during));
        Assert.False(proxy.Process.HasExited, "the daemon exited while the API server was away");

        server.Restart();
        await Eventually.HoldsAsync(async () =>
        {
            var results = await Sync.ProbeManyAsync(8, client, "10.96.0.10", 80);
            return results.All(r => r.Pod == "web3") && (await Topology.ProbeAsync(client, "10.96.0.11", 80)).Outcome != ProbeOutcome.Answered;
        }, "converged after the API server came back", TimeScale.Of(TimeSpan.FromSeconds(60)));
        // It converged by listing again: its resourceVersion was gone from the history.
        Assert.True(server.ListRequests(ResourceKind.EndpointSlices) > lists, "no new list after 410 Gone");
    }

    private static V1Service Service(string name, string clusterIP) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { ClusterIP = clusterIP, ClusterIPs = [clusterIP], Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
    };

    private static V1EndpointSlice Slice(string service, params string[] addresses) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{service}-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. addresses.Select(a => new V1Endpoint { Addresses = [a] })],
    };
}
