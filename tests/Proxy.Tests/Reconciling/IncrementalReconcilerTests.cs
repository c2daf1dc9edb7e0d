using System.Collections.Immutable;
using k8s.Models;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Objects;

namespace Proxy.Tests.Reconciling;

public class IncrementalReconcilerTests
{
    private static readonly NodeContext Node = NodeContext.Named("node-1");

    private static readonly string Yaml =
        Service("a", "10.96.0.1", "[{port: 80}]") + Slice("a-1", "a", "[{port: 8080}]", "[{addresses: [10.244.1.1]}]")
        + Service("b", "10.96.0.2", "[{port: 80}]") + Slice("b-1", "b", "[{port: 8080}]", "[{addresses: [10.244.1.2]}]")
        + Service("bad", "nope", "[{port: 80}]");

    [Fact]
    public void GivesWhatThePureReconcilerGives()
    {
        var objects = FromYaml(Yaml);

        var incremental = new IncrementalReconciler().Reconcile(objects, Node, ReconcileOptions.Default);
        var pure = Reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        Assert.Equal(pure.IPv4, incremental.IPv4);
        Assert.Equal(pure.IPv6, incremental.IPv6);
        Assert.Equal(pure.Warnings, incremental.Warnings);
    }

    [Fact]
    public void UnchangedServicesKeepTheirPorts_AChangedSliceIsRecomputed()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        var changedSlice = FromYaml(Slice("b-1", "b", "[{port: 8080}]", "[{addresses: [10.244.1.3]}]")).EndpointSlices[0];
        var changed = objects with { EndpointSlices = [objects.EndpointSlices[0], changedSlice] };
        var second = reconciler.Reconcile(changed, Node, ReconcileOptions.Default);

        Assert.Same(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.NotSame(first.IPv4.Services[1], second.IPv4.Services[1]);
        Assert.Equal("10.244.1.3:8080", second.IPv4.Services[1].ClusterEndpoints[0].ToString());
        Assert.Equal(Reconciler.Reconcile(changed, Node, ReconcileOptions.Default).IPv4, second.IPv4);
        Assert.Single(second.Warnings);
    }

    [Fact]
    public void ANewNodeContextRecomputesEverything()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, NodeContext.Named("node-2"), ReconcileOptions.Default);

        Assert.NotSame(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.Equal(first.IPv4, second.IPv4);
    }

    private static NodeContext Labelled(params (string Key, string Value)[] labels) =>
        new("node-1", labels.ToImmutableDictionary(l => l.Key, l => l.Value));

    [Fact]
    public void ALabelledNodeWithTheSameLabelsInANewDictionaryKeepsTheCache()
    {
        // The daemon builds the node context afresh at every sync, as a real cluster's Node always has labels.
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Labelled(("kubernetes.io/hostname", "node-1"), ("topology.kubernetes.io/zone", "a")), ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "a"), ("kubernetes.io/hostname", "node-1")), ReconcileOptions.Default);

        Assert.Same(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.Same(first.IPv4.Services[1], second.IPv4.Services[1]);
    }

    [Fact]
    public void AChangedNodeLabelRecomputesEverything()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "a")), ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "b")), ReconcileOptions.Default);

        Assert.NotSame(first.IPv4.Services[0], second.IPv4.Services[0]);
    }

    private static readonly string Old = Aged("old", "2026-01-01T00:00:00Z", "10.96.1.1", "198.51.100.10");

    private static readonly string Young = Aged("young", "2026-02-01T00:00:00Z", "10.96.1.2", "198.51.100.10");

    private static string Aged(string name, string created, string clusterIP, string externalIP) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: ns, creationTimestamp: "{{created}}"}
        spec:
          clusterIP: {{clusterIP}}
          ports: [{name: p, port: 80, protocol: TCP}]
          externalIPs: [{{externalIP}}]
        ---

        """;

    private static void AssertFromScratch(ClusterObjects objects, ReconcileResult incremental)
    {
        var pure = Reconciler.Reconcile(objects, Node, ReconcileOptions.Default);
        Assert.Equal(pure.IPv4, incremental.IPv4);
        Assert.Equal(pure.IPv6, incremental.IPv6);
        Assert.Equal(pure.Warnings, incremental.Warnings);
        Assert.Equal(pure.HealthChecks, incremental.HealthChecks);
    }

    [Fact]
    public void AContestedDestinationFollowsItsServicesThroughChanges_AsFromScratch()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml + Old + Young + Slice("young-1", "young", "[{port: 8080}]", "[{addresses: [10.244.2.1]}]", ns: "ns")
            + Slice("broken", "a", "[{port: 8080}]", "[{addresses: [10.244.9.9]}]", addressType: "IPv7"));
        var first = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);
        AssertFromScratch(objects, first);
        Assert.Contains(first.Warnings, w => w.StartsWith("Service ns/young: external IP 198.51.100.10:80/TCP is already Service ns/old's", StringComparison.Ordinal));

        // Only the young Service's endpoints change: the old one keeps the external IP, and the warning is still there.
        var moved = FromYaml(Slice("young-1", "young", "[{port: 8080}]", "[{addresses: [10.244.2.2]}]", ns: "ns")).EndpointSlices[0];
        objects = objects with { EndpointSlices = objects.EndpointSlices.Replace(objects.EndpointSlices.Single(s => s.Name() == "young-1"), moved) };
        var second = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);
        AssertFromScratch(objects, second);
        Assert.Equal(first.Warnings, second.Warnings);
        Assert.Same(first.IPv4.Services.Single(p => p.Name.Name == "old"), second.IPv4.Services.Single(p => p.Name.Name == "old"));

        // The old Service goes: the young one gets the external IP, and nobody is warned about it any more.
        objects = objects with { Services = objects.Services.RemoveAll(s => s.Name() == "old") };
        var third = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);
        AssertFromScratch(objects, third);
        Assert.Equal("198.51.100.10", third.IPv4.Services.Single(p => p.Name.Name == "young").ExternalIPs.Single().ToString());
        Assert.DoesNotContain(third.Warnings, w => w.Contains("already", StringComparison.Ordinal));
        Assert.Contains(third.Warnings, w => w.StartsWith("EndpointSlice default/broken", StringComparison.Ordinal));

        // It comes back, older than the young one: it takes the external IP back.
        objects = objects with { Services = objects.Services.Add(FromYaml(Old).Services[0]) };
        AssertFromScratch(objects, reconciler.Reconcile(objects, Node, ReconcileOptions.Default));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void AnySequenceOfChangesGivesWhatTheReconcilerGivesFromScratch(int seed)
    {
        // Few cluster IPs, node ports and external IPs among many Services, so that they contest them, in chains
        // (one Service losing its cluster IP no longer claims its node port, which a third Service may then get).
        var random = new Random(seed);
        var services = new Dictionary<int, V1Service>();
        var slices = new Dictionary<int, V1EndpointSlice>();
        var order = Enumerable.Range(0, 8).ToList();
        var reconciler = new IncrementalReconciler();
        var contested = 0;
        for (var step = 0; step < 150; step++)
        {
            var i = random.Next(order.Count);
            switch (random.Next(6))
            {
                case 0 or 1:
                    services[i] = FromYaml(RandomService(random, i)).Services[0];
                    break;
                case 2 or 3:
                    slices[i] = FromYaml(RandomSlice(random, i)).EndpointSlices[0];
                    break;
                case 4:
                    services.Remove(i);
                    break;
                default:
                    order = [.. order.OrderBy(_ => random.Next())];
                    break;
            }
            var objects = new ClusterObjects(
                [.. order.Where(services.ContainsKey).Select(n => services[n])], [.. order.Where(slices.ContainsKey).Select(n => slices[n])], []);

            var result = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

            AssertFromScratch(objects, result);
            contested += result.Warnings.Count(w => w.Contains("is already Service", StringComparison.Ordinal));
        }
        Assert.True(contested > 0, "the sequence never contested a destination: it tests less than it says");
    }

    private static string RandomService(Random random, int i)
    {
        var created = random.Next(3) switch { 0 => "", 1 => ", creationTimestamp: \"2026-01-01T00:00:00Z\"", _ => ", creationTimestamp: \"2026-02-01T00:00:00Z\"" };
        var clusterIP = random.Next(10) == 0 ? "nope" : $"10.96.0.{random.Next(1, 4)}";
        var type = random.Next(3) switch { 0 => "ClusterIP", 1 => "NodePort", _ => "LoadBalancer" };
        var nodePort = type == "ClusterIP" ? "" : $", nodePort: {30000 + random.Next(1, 3)}";
        var second = random.Next(2) == 0 ? "" : $", {{name: q, port: 81, protocol: TCP{nodePort.Replace("3000", "3100", StringComparison.Ordinal)}}}";
        var lines = new List<string>
        {
            "apiVersion: v1",
            "kind: Service",
            $"metadata: {{name: s{i}, namespace: ns{created}}}",
            "spec:",
            $"  type: {type}",
            $"  clusterIP: {clusterIP}",
            $"  ports: [{{name: p, port: 80, protocol: TCP{nodePort}}}{second}]",
        };
        if (random.Next(2) == 0)
        {
            lines.Add($"  externalIPs: [198.51.100.{random.Next(1, 3)}]");
        }
        if (type == "LoadBalancer")
        {
            lines.Add("  externalTrafficPolicy: Local");
            lines.Add($"  healthCheckNodePort: {32000 + i}");
            lines.Add($"status: {{loadBalancer: {{ingress: [{{ip: 203.0.113.{random.Next(1, 3)}}}]}}}}");
        }
        return string.Join('\n', lines) + "\n---\n";
    }

    private static string RandomSlice(Random random, int i)
    {
        // Now and then an address type the API server refuses: the slice is left out, with a warning.
        var addressType = random.Next(8) == 0 ? "IPv7" : "IPv4";
        var endpoints = Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"{{addresses: [10.244.{i}.{random.Next(1, 5)}], nodeName: node-{random.Next(1, 3)}}}");
        return $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: s{i}-1, namespace: ns, labels: {{kubernetes.io/service-name: s{i}}}}}\n"
            + $"addressType: {addressType}\nports: [{{name: p, port: 8080, protocol: TCP}}, {{name: q, port: 8081, protocol: TCP}}]\nendpoints: [{string.Join(", ", endpoints)}]\n---\n";
    }
}
