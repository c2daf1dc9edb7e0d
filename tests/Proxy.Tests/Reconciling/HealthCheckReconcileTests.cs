using Proxy.Core.Model;
using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>Which services get a health-check node port, and what it counts (upstream's NeedsHealthCheck and LocalReadyEndpoints).</summary>
public class HealthCheckReconcileTests
{
    private static readonly string Endpoints = Slice(List(
        Ep("10.244.1.2", "node-1"),
        Ep("10.244.1.3", "node-1", ready: false, serving: true, terminating: true),
        Ep("10.244.2.2", "node-2")));

    [Fact]
    public void ALoadBalancerWithExternalPolicyLocalCountsItsLocalReadyEndpointIPsOncePerFamily()
    {
        var yaml = Service("type: LoadBalancer\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 31000\nports: [{name: p, port: 80, nodePort: 30080}, {name: q, port: 81, nodePort: 30081}]")
            .Replace("  ports: [{name: p, port: 80, protocol: TCP}]\n", "", StringComparison.Ordinal)
            + Endpoints.Replace("ports: [{name: p, port: 8080, protocol: TCP}]", "ports: [{name: p, port: 8080, protocol: TCP}, {name: q, port: 8081, protocol: TCP}]", StringComparison.Ordinal);

        var result = Run(yaml);

        var check = Assert.Single(result.HealthChecks);
        Assert.Equal(("ns", "svc", 31000), (check.Namespace, check.Name, check.Port));
        // One local ready pod behind two ports counts once; the terminating one does not count.
        Assert.Equal(1, check.LocalEndpointsOf(IpFamily.IPv4));
        Assert.Equal(0, check.LocalEndpointsOf(IpFamily.IPv6));
        Assert.All(result.IPv4.Services, p => Assert.Equal(31000, p.HealthCheckNodePort));
    }

    [Theory]
    [InlineData("type: NodePort\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 31000")]
    [InlineData("type: LoadBalancer\nhealthCheckNodePort: 31000")]
    public void OnlyLoadBalancersWithExternalPolicyLocalGetOne(string spec)
    {
        var result = Run(Service(spec, nodePort: 30080) + Endpoints);

        Assert.Empty(result.HealthChecks);
        Assert.Equal(0, Assert.Single(result.IPv4.Services).HealthCheckNodePort);
    }

    [Fact]
    public void ALoadBalancerWithoutItsPortIsNamedInAWarning()
    {
        var result = Run(Service("type: LoadBalancer\nexternalTrafficPolicy: Local", nodePort: 30080) + Endpoints);

        Assert.Empty(result.HealthChecks);
        Assert.Contains("spec.healthCheckNodePort (none) is not a port", Assert.Single(result.Warnings));
    }
}
