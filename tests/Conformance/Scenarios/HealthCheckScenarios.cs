using System.Diagnostics;
using System.Globalization;
using System.Net;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// The health-check node port of a LoadBalancer service with externalTrafficPolicy: Local, as a cloud load balancer
/// sees it: the daemon runs in the node namespace over a manifests directory that is rewritten while it runs, and the
/// external client asks the node's IPv4 and IPv6 addresses, each answering with the local endpoints of its family.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class HealthCheckScenarios
{
    private const int HealthCheckPort = 30400;
    private const string NodeIPv6 = "2001:db8:1::1";
    private const string ClientIPv6 = "2001:db8:1::2";

    /// <summary>How long the daemon may take to start and make its first sync (not a figure: startup is not measured here).</summary>
    private static readonly TimeSpan StartDeadline = TimeScale.Of(TimeSpan.FromSeconds(30));

    /// <summary>From a manifest rewrite to the changed answer: a file event, a sync, an update. Generous on purpose.</summary>
    private static readonly TimeSpan ChangeDeadline = TimeScale.Of(TimeSpan.FromSeconds(10));

    private static readonly IPEndPoint V4 = new(IPAddress.Parse(Topology.NodeIP), HealthCheckPort);
    private static readonly IPEndPoint V6 = new(IPAddress.Parse(NodeIPv6), HealthCheckPort);

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task TheHealthCheckNodePortAnswersWithTheLocalReadyEndpointsOfEachFamily(string mode)
    {
        await using var topology = await Topology.CreateAsync();
        // The node and the client get IPv6 addresses on their link too (no duplicate address detection to wait for).
        await Shell.CheckedAsync("ip", "-n", topology.Node, "addr", "add", $"{NodeIPv6}/64", "dev", "ext0", "nodad");
        await Shell.CheckedAsync("ip", "-n", topology.Client, "addr", "add", $"{ClientIPv6}/64", "dev", "eth0", "nodad");
        using var manifests = new Manifests();
        // Two local ready endpoints and a remote one in IPv4, one local in IPv6.
        manifests.Write("lb.yaml", LoadBalancer(
            v4: [("10.244.1.2", "node-1", Ready), ("10.244.1.3", "node-1", Ready), ("10.244.2.9", "node-2", Ready)],
            v6: [("fd00:244:1::2", "node-1", Ready)]));

        using var proxy = topology.StartProxy("--manifests", manifests.Directory, "--proxy-mode", mode,
            "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        try
        {
            var first = await EventuallyAsync(topology, V4, a => a?.Status == 200, "the first answer", StartDeadline);
            Assert.Equal("application/json", first!.Header("Content-Type"));
            Assert.Equal("nosniff", first.Header("X-Content-Type-Options"));
            Assert.Equal("2", first.Header("X-Load-Balancing-Endpoint-Weight"));
            Assert.Equal(Body(2, healthy: true), first.Body);
            await EventuallyAsync(topology, V6, a => Says(a, 200, 1), "IPv6 counts its own endpoint", ChangeDeadline);

            // One local endpoint starts terminating (it no longer counts), and so does the IPv6 one.
            manifests.Write("lb.yaml", LoadBalancer(
                v4: [("10.244.1.2", "node-1", Ready), ("10.244.1.3", "node-1", Terminating), ("10.244.2.9", "node-2", Ready)],
                v6: [("fd00:244:1::2", "node-1", Terminating)]));
            await EventuallyAsync(topology, V4, a => Says(a, 200, 1), "one local endpoint left", ChangeDeadline);
            var none6 = await EventuallyAsync(topology, V6, a => Says(a, 503, 0), "no IPv6 endpoint left", ChangeDeadline);
            Assert.Equal(Body(0, healthy: true), none6!.Body);

            // No local ready endpoint at all: the load balancer must take this node out, though a remote one serves.
            manifests.Write("lb.yaml", LoadBalancer(
                v4: [("10.244.1.3", "node-1", Terminating), ("10.244.2.9", "node-2", Ready)],
                v6: []));
            var none = await EventuallyAsync(topology, V4, a => Says(a, 503, 0), "no local endpoint left", ChangeDeadline);
            Assert.Equal(Body(0, healthy: true), none!.Body);

            // They come back.
            manifests.Write("lb.yaml", LoadBalancer(
                v4: [("10.244.1.2", "node-1", Ready), ("10.244.1.3", "node-1", Ready)],
                v6: [("fd00:244:1::2", "node-1", Ready), ("fd00:244:1::3", "node-1", Ready)]));
            await EventuallyAsync(topology, V4, a => Says(a, 200, 2), "local endpoints back", ChangeDeadline);
            await EventuallyAsync(topology, V6, a => Says(a, 200, 2), "IPv6 endpoints back", ChangeDeadline);

            // The service goes: so does its server, in both families.
            manifests.Delete("lb.yaml");
            await EventuallyAsync(topology, V4, a => a is null, "the server closed", ChangeDeadline);
            await EventuallyAsync(topology, V6, a => a is null, "the IPv6 server closed", ChangeDeadline);
            Assert.False(proxy.HasExited, "the daemon exited");
        }
        finally
        {
            if (!proxy.HasExited)
            {
                proxy.Kill(entireProcessTree: true);
            }
        }
    }

    private const string Ready = "{ready: true}";
    private const string Terminating = "{ready: false, serving: true, terminating: true}";

    private static bool Says(HttpProbe.Answer? answer, int status, int endpoints) =>
        answer is not null && answer.Status == status && answer.Header("X-Load-Balancing-Endpoint-Weight") == endpoints.ToString(CultureInfo.InvariantCulture)
        && answer.Body == Body(endpoints, healthy: true);

    /// <summary>upstream's body, byte for byte.</summary>
    private static string Body(int endpoints, bool healthy) =>
        $"{{\n\t\"service\": {{\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"lb\"\n\t}},\n\t\"localEndpoints\": {endpoints},\n\t\"serviceProxyHealthy\": {(healthy ? "true" : "false")}\n}}";

    /// <summary>A dual-stack LoadBalancer service with externalTrafficPolicy: Local and its health-check node port, and one slice per family.</summary>
    private static string LoadBalancer((string IP, string Node, string Conditions)[] v4, (string IP, string Node, string Conditions)[] v6)
    {
        static string Slice(string family, string suffix, (string IP, string Node, string Conditions)[] endpoints) => endpoints.Length == 0 ? "" : $"""
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {"{"}name: lb-{suffix}, namespace: default, labels: {"{"}kubernetes.io/service-name: lb{"}"}{"}"}
            addressType: {family}
            ports: [{"{"}name: p, protocol: TCP, port: 8080{"}"}]
            endpoints: [{string.Join(", ", endpoints.Select(e => $"{{addresses: [\"{e.IP}\"], nodeName: {e.Node}, conditions: {e.Conditions}}}"))}]

            """;
        return $"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: lb, namespace: default{"}"}
            spec:
              type: LoadBalancer
              clusterIP: 10.96.0.40
              clusterIPs: [10.96.0.40, "fd00:96::40"]
              ipFamilies: [IPv4, IPv6]
              ipFamilyPolicy: RequireDualStack
              externalTrafficPolicy: Local
              healthCheckNodePort: {HealthCheckPort}
              ports: [{"{"}name: p, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080{"}"}]

            """ + Slice("IPv4", "v4", v4) + Slice("IPv6", "v6", v6);
    }

    /// <summary>Asks from the external client until <paramref name="expected"/> holds; returns that answer.</summary>
    private static async Task<HttpProbe.Answer?> EventuallyAsync(Topology topology, IPEndPoint target, Func<HttpProbe.Answer?, bool> expected, string what, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        HttpProbe.Answer? last = null;
        while (clock.Elapsed < deadline)
        {
            try
            {
                last = await HttpProbe.GetAsync(topology.Client, target, "/healthz", TestContext.Current.CancellationToken);
                if (expected(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested))
            {
                // Neither an answer nor a refusal (not listening yet, timed out): ask again.
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"not {what} at {target} within {deadline}; last answer: {last?.ToString() ?? "refused"}");
        return null;
    }
}
