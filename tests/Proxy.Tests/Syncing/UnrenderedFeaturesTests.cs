using System.Net;
using Proxy.Core.Model;
using Proxy.Syncing;

namespace Proxy.Tests.Syncing;

public class UnrenderedFeaturesTests
{
    private static ServicePort Port(string name, string portName) => new(new ServicePortName("ns", name, portName, L4Protocol.Tcp), IPAddress.Parse("10.96.0.1"), 80);

    [Fact]
    public void OneWarningPerServiceNamesEveryFieldTheModeDoesNotRender()
    {
        var web = Port("web", "http") with
        {
            ExternalIPs = EquatableArray.Create(IPAddress.Parse("192.0.2.10")),
            Affinity = new ClientIPAffinity(60),
        };
        var webMetrics = Port("web", "metrics") with { External = TrafficRoute.ClusterMasqueraded with { Endpoints = EndpointSetKind.Local } };
        var plain = Port("plain", "");
        var state = ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default, [web, webMetrics, plain]);

        var warnings = UnrenderedFeatures.Warnings([state], ServiceFeatures.ClientIPAffinity, "nftables").ToList();

        Assert.Equal(
            ["Service ns/web: nftables mode does not implement spec.externalIPs (not captured), spec.externalTrafficPolicy: Local (served as Cluster) yet"],
            warnings);
        Assert.Empty(UnrenderedFeatures.Warnings([state], ServiceFeatures.All, "iptables"));
    }

    [Fact]
    public void SourceRangesCountOnlyWhereThereAreLoadBalancerIPsToApplyThemTo()
    {
        var ranges = EquatableArray.Create(IPNetwork.Parse("198.51.100.0/24"));
        var withoutLb = Port("a", "") with { LoadBalancerSourceRanges = ranges };
        var withLb = withoutLb with { LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.7")) };

        Assert.Equal(ServiceFeatures.None, withoutLb.Features);
        Assert.Equal(ServiceFeatures.LoadBalancerIPs | ServiceFeatures.LoadBalancerSourceRanges, withLb.Features);
    }
}
