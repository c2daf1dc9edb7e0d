using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>Where a service port is reached: external IPs, load-balancer IPs, node ports, and who may use the LB IPs.</summary>
public class DestinationTests
{
    private static readonly string Endpoints = Slice(List(Ep("10.244.2.2", "node-2")));

    [Fact]
    public void ExternalIPsAndLoadBalancerIPsAreSplitByFamily_AndProxyModeIngressIsNotCaptured()
    {
        var yaml = Service(
                "type: LoadBalancer\nexternalIPs: [192.0.2.10, \"2001:db8::10\", 192.0.2.10]",
                "loadBalancer: {ingress: [{ip: 203.0.113.7}, {ip: 203.0.113.8, ipMode: Proxy}, {ip: 203.0.113.9, ipMode: VIP}, {hostname: lb.example}, {ip: \"2001:db8::7\"}]}",
                clusterIPs: "[10.96.0.10, \"fd00:96::10\"]",
                nodePort: 30080)
            + Endpoints;

        var result = Run(yaml);

        Assert.Contains("np=30080 eips=[192.0.2.10] lbs=[203.0.113.7,203.0.113.9] cluster=[10.244.2.2:8080]", ModelText.Describe(Assert.Single(result.IPv4.Services)));
        Assert.Contains("np=30080 eips=[2001:db8::10] lbs=[2001:db8::7] cluster=[]", ModelText.Describe(Assert.Single(result.IPv6.Services)));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void AllocateLoadBalancerNodePortsFalseMeansNoNodePort_ButTheLoadBalancerIPsStay()
    {
        var yaml = Service("type: LoadBalancer\nallocateLoadBalancerNodePorts: false", "loadBalancer: {ingress: [{ip: 203.0.113.7}]}") + Endpoints;

        Assert.Equal(
            "ns/svc:p TCP 10.96.0.10:80 lbs=[203.0.113.7] cluster=[10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject",
            One(yaml));
    }

    [Fact]
    public void SourceRangesAreSplitByFamily_AFamilyWithoutOneStaysOpen()
    {
        var yaml = Service(
                "type: LoadBalancer\nloadBalancerSourceRanges: [198.51.100.0/24, \" 203.0.113.128/25 \"]",
                "loadBalancer: {ingress: [{ip: 203.0.113.7}, {ip: \"2001:db8::7\"}]}",
                clusterIPs: "[10.96.0.10, \"fd00:96::10\"]",
                nodePort: 30080)
            + Endpoints;

        var result = Run(yaml);

        Assert.Contains("lbs=[203.0.113.7] ranges=[198.51.100.0/24,203.0.113.128/25] cluster", ModelText.Describe(Assert.Single(result.IPv4.Services)));
        Assert.DoesNotContain("ranges=", ModelText.Describe(Assert.Single(result.IPv6.Services)));
    }

    [Fact]
    public void ARangeHoldingTheNodeIPAdmitsTheLoadBalancerIPsThemselves()
    {
        var yaml = Service("type: LoadBalancer\nloadBalancerSourceRanges: [192.0.2.0/24]", "loadBalancer: {ingress: [{ip: 203.0.113.7}, {ip: 203.0.113.9}]}", nodePort: 30080) + Endpoints;

        Assert.Contains("ranges=[192.0.2.0/24,203.0.113.7/32,203.0.113.9/32]", One(yaml));
    }

    [Fact]
    public void BadEntriesOfAListAreNamedAndSkipped_TheRestOfTheServiceIsProgrammed()
    {
        var yaml = Service(
                "type: LoadBalancer\nexternalIPs: [192.0.2.10, not-an-ip]\nloadBalancerSourceRanges: [198.51.100.0/24, 10.0.0.0/33]",
                "loadBalancer: {ingress: [{ip: 203.0.113.300}, {ip: 203.0.113.7}]}",
                nodePort: 30080)
            + Endpoints;

        var result = Run(yaml);

        Assert.Contains("eips=[192.0.2.10] lbs=[203.0.113.7] ranges=[198.51.100.0/24]", ModelText.Describe(Assert.Single(result.IPv4.Services)));
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("Service ns/svc", warning);
        Assert.Contains("spec.externalIPs[1] \"not-an-ip\"", warning);
        Assert.Contains("spec.loadBalancerSourceRanges[1] \"10.0.0.0/33\"", warning);
        Assert.Contains("status.loadBalancer.ingress[0].ip \"203.0.113.300\"", warning);
    }

    [Fact]
    public void ANodePortOnAClusterIPServiceIsIgnoredWithAWarning()
    {
        var result = Run(Service(nodePort: 30080) + Endpoints);

        Assert.DoesNotContain("np=", ModelText.Describe(Assert.Single(result.IPv4.Services)));
        Assert.Contains("spec.ports[0].nodePort 30080 is ignored", Assert.Single(result.Warnings));
    }
}
