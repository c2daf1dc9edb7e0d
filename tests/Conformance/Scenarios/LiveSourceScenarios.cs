using System.Diagnostics;
using System.Net;
using k8s.Models;
using Proxy.Conformance.Tests.Harness;
using Proxy.Testing.FakeApi;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// The daemon as it runs in a cluster: a long-running kube-proxy-sharp in the node namespace, pointed by
/// --kubeconfig at the fake API server (listening inside that namespace), following changes and riding out an
/// API outage with the rules it has.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class LiveSourceScenarios
{
    /// <summary>Generous on purpose: the figure itself is measured by bench/ApiLatency, not asserted here.</summary>
    private static readonly TimeSpan Deadline = TimeScale.Of(TimeSpan.FromSeconds(10));

    /// <summary>The issue's bound from creating a Service and its EndpointSlice to traffic through the ClusterIP.</summary>
    private static readonly TimeSpan CreateDeadline = TimeScale.Of(TimeSpan.FromSeconds(2));

    /// <summary>
    /// After the outage: the informers retry with client-go's backoff, so the first attempt after the API server is
    /// back can come up to one backoff wait (its cap at most) later; a 10 s outage already has waits of 6-15 s.
    /// </summary>
    private static readonly TimeSpan ReconnectDeadline = TimeScale.Of(Proxy.Kubernetes.Backoff.Cap + TimeSpan.FromSeconds(10));

    /// <summary>How long the daemon may take to start and make its first sync (not a figure: startup is not measured here).</summary>
    private static readonly TimeSpan StartDeadline = TimeScale.Of(TimeSpan.FromSeconds(30));

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task TheDaemonFollowsTheApiServerAndKeepsTrafficFlowingWhileItIsAway(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        foreach (var (pod, host) in new[] { ("web1", 2), ("web2", 3), ("web3", 4) })
        {
            await topology.AddPodAsync(pod, $"10.244.1.{host}");
            await topology.StartServerAsync(pod, 8080);
        }
        await topology.AddPodAsync("client", "10.244.1.20");
        await using var server = FakeApiServer.Start(port => NetworkNamespace.Listen(topology.Node, new IPEndPoint(IPAddress.Loopback, port)));
        server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
        using var work = new Manifests();
        var kubeconfig = Kubeconfig.Write(Path.Combine(work.Directory, "kubeconfig"), server.Url);

        using var proxy = topology.StartProxy("--kubeconfig", kubeconfig, "--proxy-mode", mode, "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        try
        {
            // The daemon is up once its first sync has put its scaffolding (chains, table, or sets) in the kernel.
            var inspector = new ModeInspector(topology, mode);
            await Eventually.HoldsAsync(async () => !await inspector.NothingOursLeftAsync(), "the daemon's first sync", StartDeadline);

            // Create: traffic through the ClusterIP within 2 s.
            server.Apply(Service());
            server.Apply(Slice("10.244.1.2"));
            await EventuallyAnsweredByAsync(topology, CreateDeadline, "web1");

            // Scale up, then down: traffic follows.
            server.Apply(Slice("10.244.1.2", "10.244.1.3", "10.244.1.4"));
            await EventuallyAnsweredByAsync(topology, Deadline, "web1", "web2", "web3");
            server.Apply(Slice("10.244.1.4"));
            await EventuallyAnsweredByAsync(topology, Deadline, "web3");

            // The API server goes away for 10 s: existing rules keep answering the whole time.
            await server.StopAsync();
            var outage = Stopwatch.StartNew();
            var during = new List<ProbeResult>();
            while (outage.Elapsed < TimeSpan.FromSeconds(10))
            {
                during.Add(await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.10", 80));
                await Task.Delay(250, TestContext.Current.CancellationToken);
            }
            Assert.True(during.All(r => r.Outcome == ProbeOutcome.Answered && r.Pod == "web3"), Sync.Describe(during));
            Assert.False(proxy.HasExited, "the daemon exited while the API server was away");

            // It comes back with a changed endpoint: the change is applied.
            server.Apply(Slice("10.244.1.3"));
            server.Restart();
            await EventuallyAnsweredByAsync(topology, ReconnectDeadline, "web2");

            // Delete: the service stops answering.
            server.Delete(ResourceKind.EndpointSlices, "default", "web-1");
            server.Delete(ResourceKind.Services, "default", "web");
            await Eventually.HoldsAsync(async () => (await Topology.ProbeAsync(topology.Pod("client"), "10.96.0.10", 80)).Outcome != ProbeOutcome.Answered, "the deleted service stops answering", Deadline);

            // SIGTERM: exit 0, rules left in place for the next proxy.
            await Shell.CheckedAsync("kill", "-TERM", proxy.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(proxy.WaitForExit(TimeScale.Of(TimeSpan.FromSeconds(10))), "no exit within 10 s of SIGTERM");
            Assert.Equal(0, proxy.ExitCode);
            Assert.False(await inspector.NothingOursLeftAsync(), "SIGTERM removed the rules");
        }
        finally
        {
            if (!proxy.HasExited)
            {
                proxy.Kill(entireProcessTree: true);
            }
        }
    }

    private static V1Service Service() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { ClusterIP = "10.96.0.10", ClusterIPs = ["10.96.0.10"], Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
    };

    private static V1EndpointSlice Slice(params string[] addresses) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. addresses.Select(a => new V1Endpoint { Addresses = [a] })],
    };

    /// <summary>
    /// Waits until 15 probes in a row are answered by exactly <paramref name="pods"/>: with stale rules still spreading
    /// over three pods, 15 probes all landing on one of them happens once in 3^15, so the check cannot pass by chance.
    /// </summary>
    private static Task EventuallyAnsweredByAsync(Topology topology, TimeSpan deadline, params string[] pods) => Eventually.HoldsAsync(async () =>
    {
        if (!await AnswersSoonAsync(topology))
        {
            return false;
        }
        var results = await Sync.ProbeManyAsync(15, topology.Pod("client"), "10.96.0.10", 80);
        return results.All(r => r.Outcome == ProbeOutcome.Answered)
            && results.Select(r => r.Pod!).Distinct().Order(StringComparer.Ordinal).SequenceEqual(pods);
    }, $"answered by {string.Join(", ", pods)}", deadline);

    /// <summary>
    /// One probe that gives up after a quarter of a second: before the rules are in, a SYN to the ClusterIP is routed
    /// away and silently dropped, and a full probe would wait out its 2 s connect timeout — longer than the deadline.
    /// </summary>
    private static async Task<bool> AnswersSoonAsync(Topology topology)
    {
        var test = TestContext.Current.CancellationToken;
        using var quick = CancellationTokenSource.CreateLinkedTokenSource(test);
        quick.CancelAfter(TimeScale.Of(TimeSpan.FromMilliseconds(250)));
        try
        {
            return (await Probe.TcpAsync(topology.Pod("client"), new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), quick.Token)).Outcome == ProbeOutcome.Answered;
        }
        catch (OperationCanceledException) when (!test.IsCancellationRequested)
        {
            return false;
        }
    }
}
