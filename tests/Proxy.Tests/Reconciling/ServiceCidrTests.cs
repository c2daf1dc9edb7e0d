using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>networking.k8s.io/v1 ServiceCIDR objects (read from manifests here) → each family's service CIDRs in the model.</summary>
public class ServiceCidrTests
{
    private static string ServiceCidr(string name, string cidrs) => $"""
        apiVersion: networking.k8s.io/v1
        kind: ServiceCIDR
        metadata: {"{"}name: {name}{"}"}
        spec: {"{"}cidrs: [{cidrs}]{"}"}
        ---

        """;

    [Fact]
    public void EachFamilyGetsItsOwnCidrs_FromEveryServiceCidr_OnceEach()
    {
        var result = Run(ServiceCidr("kubernetes", "10.96.0.0/16, fd00:10:96::/112") + ServiceCidr("extra", "10.97.0.0/16, 10.96.0.0/16"));

        Assert.Equal(["10.97.0.0/16", "10.96.0.0/16"], result.IPv4.ServiceCIDRs.Select(c => c.ToString()));
        Assert.Equal(["fd00:10:96::/112"], result.IPv6.ServiceCIDRs.Select(c => c.ToString()));
    }

    [Fact]
    public void AnEntryThatIsNotACidrIsLeftOut_WithAWarningNamingTheObject()
    {
        var result = Run(ServiceCidr("kubernetes", "10.96.0.0/16, 10.96.0.300/16"));

        Assert.Equal(["10.96.0.0/16"], result.IPv4.ServiceCIDRs.Select(c => c.ToString()));
        Assert.Contains("ServiceCIDR kubernetes: spec.cidrs[1] \"10.96.0.300/16\" is not a CIDR and is ignored", result.Warnings);
    }

    [Fact]
    public void WithoutServiceCidrsTheModelHasNone_AndStatesStillCompareEqual()
    {
        Assert.Empty(Run(Service()).IPv4.ServiceCIDRs);
        Assert.Equal(Run(Service()).IPv4, Run(Service()).IPv4);
        Assert.NotEqual(Run(Service()).IPv4, Run(Service() + ServiceCidr("kubernetes", "10.96.0.0/16")).IPv4);
    }
}
