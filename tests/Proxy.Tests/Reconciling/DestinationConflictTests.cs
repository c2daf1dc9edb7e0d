using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>Two Services claiming one destination: the older keeps it, the other loses only that destination, and both are named.</summary>
public class DestinationConflictTests
{
    private static string Named(string name, string created, string spec, int nodePort = 0, string clusterIP = "10.96.0.10") =>
        Service(spec, nodePort: nodePort, clusterIPs: $"[{clusterIP}]")
            .Replace("metadata: {name: svc, namespace: ns}", $"metadata: {{name: {name}, namespace: ns, creationTimestamp: \"{created}\"}}", StringComparison.Ordinal);

    [Fact]
    public void TheOlderServiceKeepsAContestedExternalIP_WhateverTheFileOrder()
    {
        var yaml = Named("young", "2026-02-01T00:00:00Z", "externalIPs: [198.51.100.10, 198.51.100.11]", clusterIP: "10.96.0.11")
            + Named("old", "2026-01-01T00:00:00Z", "externalIPs: [198.51.100.10]", clusterIP: "10.96.0.12");

        var result = Run(yaml);

        var ports = result.IPv4.Services.ToDictionary(p => p.Name.Name, ModelText.Describe);
        Assert.Contains("eips=[198.51.100.10]", ports["old"]);
        Assert.Contains("eips=[198.51.100.11]", ports["young"]);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("Service ns/young: external IP 198.51.100.10:80/TCP is already Service ns/old's", warning);
    }

    [Fact]
    public void ASharedClusterIPAndPortDropsTheYoungerPort_ASharedNodePortItsNodePort()
    {
        var yaml = Named("old", "2026-01-01T00:00:00Z", "type: NodePort", nodePort: 30080)
            + Named("young", "2026-02-01T00:00:00Z", "type: NodePort", nodePort: 30081)
            + Named("third", "2026-03-01T00:00:00Z", "type: NodePort", nodePort: 30080, clusterIP: "10.96.0.13");

        var result = Run(yaml);

        Assert.Equal(["ns/old:p", "ns/third:p"], result.IPv4.Services.Select(p => p.Name.ToString()));
        Assert.Equal(0, result.IPv4.Services[1].NodePort);
        Assert.Contains(result.Warnings, w => w.StartsWith("Service ns/young: cluster IP 10.96.0.10:80/TCP is already Service ns/old's", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("Service ns/third: node port 30080/TCP is already Service ns/old's", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutTimestampsNamespaceAndNameDecide() =>
        Assert.Contains("eips=[198.51.100.10]", ModelText.Describe(Run(
            Service("externalIPs: [198.51.100.10]", clusterIPs: "[10.96.0.11]").Replace("name: svc,", "name: b,", StringComparison.Ordinal)
            + Service("externalIPs: [198.51.100.10]", clusterIPs: "[10.96.0.12]").Replace("name: svc,", "name: a,", StringComparison.Ordinal)).IPv4.Services[0]));
}
