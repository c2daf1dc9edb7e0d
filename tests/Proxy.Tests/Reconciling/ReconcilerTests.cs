using System.Net;
using Proxy.Core.Model;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Objects;

namespace Proxy.Tests.Reconciling;

public class ReconcilerTests
{
    private static readonly NodeContext Node = NodeContext.Named("node-1");

    private static ReconcileResult Run(string yaml, ReconcileOptions? options = null) =>
        Reconciler.Reconcile(FromYaml(yaml), Node, options ?? ReconcileOptions.Default);

    /// <summary>Each service port as "ns/name:port proto clusterIP:port np=N -> ep1,ep2".</summary>
    private static string[] Describe(ProxyState state) =>
        [.. state.Services.Select(s =>
            $"{s.Name} {s.Protocol.ToKubernetes()} {new IPEndPoint(s.ClusterIP, s.Port)} np={s.NodePort} -> {string.Join(",", s.ClusterEndpoints.Select(e => e + (e.IsLocal ? "(local)" : "")))}")];

    [Fact]
    public void ClusterIPServiceGetsItsReadyEndpointsInOrder()
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{name: http, port: 80, targetPort: 8080}]")
            + Slice("web-1", "web", "[{name: http, port: 8080}]",
                "[{addresses: [10.244.1.3], nodeName: node-1}, {addresses: [10.244.1.2], nodeName: node-2, conditions: {ready: true}}]"));

        Assert.Equal(["default/web:http TCP 10.96.0.10:80 np=0 -> 10.244.1.2:8080,10.244.1.3:8080(local)"], Describe(result.IPv4));
        Assert.Empty(result.IPv6.Services);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void NodePortServiceCarriesItsNodePort_OtherTypesIgnoreTheField()
    {
        var result = Run(
            Service("np", "10.96.0.20", "[{port: 80, nodePort: 30080}]", type: "NodePort")
            + Service("plain", "10.96.0.21", "[{port: 80, nodePort: 30081}]")
            + Service("lb", "10.96.0.22", "[{port: 80, nodePort: 30082}]", type: "LoadBalancer"));

        Assert.Equal(
            ["default/lb TCP 10.96.0.22:80 np=30082 -> ", "default/np TCP 10.96.0.20:80 np=30080 -> ", "default/plain TCP 10.96.0.21:80 np=0 -> "],
            Describe(result.IPv4));
    }

    [Fact]
    public void EveryPortOfAServiceIsItsOwnServicePort_WithNamedAndNumericTargetPortsResolvedThroughTheSlice()
    {
        // The EndpointSlice controller resolves targetPort (a number, or a container port name such as "web")
        // into the slice port that carries the service port's name: the proxy reads the number from there.
        var result = Run(
            Service("multi", "10.96.0.30", "[{name: http, port: 80, targetPort: web}, {name: metrics, port: 9090, targetPort: 9100}, {name: dns, protocol: UDP, port: 53, targetPort: 53}]")
            + Slice("multi-1", "multi", "[{name: http, port: 8080}, {name: metrics, port: 9100}, {name: dns, protocol: UDP, port: 5353}]",
                "[{addresses: [10.244.1.5]}]"));

        Assert.Equal(
            [
                "default/multi:dns UDP 10.96.0.30:53 np=0 -> 10.244.1.5:5353",
                "default/multi:http TCP 10.96.0.30:80 np=0 -> 10.244.1.5:8080",
                "default/multi:metrics TCP 10.96.0.30:9090 np=0 -> 10.244.1.5:9100",
            ],
            Describe(result.IPv4));
    }

    [Fact]
    public void ASlicePortOfAnotherProtocolOrNameDoesNotMatch()
    {
        var result = Run(
            Service("dns", "10.96.0.53", "[{name: dns, protocol: UDP, port: 53}]")
            + Slice("dns-1", "dns", "[{name: dns, protocol: TCP, port: 53}, {name: other, protocol: UDP, port: 53}]", "[{addresses: [10.244.1.5]}]"));

        Assert.Equal(["default/dns:dns UDP 10.96.0.53:53 np=0 -> "], Describe(result.IPv4));
    }

    [Fact]
    public void SeveralSlicesAreMergedAndDuplicatesCountOnce()
    {
        var result = Run(
            Service("shop", "10.96.0.20", "[{port: 80, targetPort: 8080}]")
            + Slice("shop-a", "shop", "[{port: 8080}]", "[{addresses: [10.244.1.7]}, {addresses: [10.244.1.8]}]")
            + Slice("shop-b", "shop", "[{port: 8080}]", "[{addresses: [10.244.1.8]}, {addresses: [10.244.1.9]}]")
            + Slice("other", "not-shop", "[{port: 8080}]", "[{addresses: [10.244.1.99]}]")
            + Slice("shop-elsewhere", "shop", "[{port: 8080}]", "[{addresses: [10.244.1.98]}]", ns: "other-ns"));

        Assert.Equal(["default/shop TCP 10.96.0.20:80 np=0 -> 10.244.1.7:8080,10.244.1.8:8080,10.244.1.9:8080"], Describe(result.IPv4));
    }

    [Fact]
    public void OnlyReadyEndpointsAreUsed_ReadyNilCountsAsReady()
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{port: 80}]")
            + Slice("web-1", "web", "[{port: 8080}]",
                "[{addresses: [10.244.1.1]}, {addresses: [10.244.1.2], conditions: {}}, {addresses: [10.244.1.3], conditions: {ready: false}},"
                + " {addresses: [10.244.1.4], conditions: {ready: false, serving: true, terminating: true}}]"));

        Assert.Equal(["default/web TCP 10.96.0.10:80 np=0 -> 10.244.1.1:8080,10.244.1.2:8080"], Describe(result.IPv4));
    }

    [Fact]
    public void WithNoReadyEndpoint_ServingTerminatingOnesAreUsedAsUpstream()
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{port: 80}]")
            + Slice("web-1", "web", "[{port: 8080}]",
                "[{addresses: [10.244.1.3], conditions: {ready: false}}, {addresses: [10.244.1.4], conditions: {ready: false, serving: true, terminating: true}},"
                + " {addresses: [10.244.1.5], conditions: {ready: false, serving: false, terminating: true}}]"));

        Assert.Equal(["default/web TCP 10.96.0.10:80 np=0 -> 10.244.1.4:8080"], Describe(result.IPv4));
    }

    [Theory]
    [InlineData("ExternalName", "10.96.0.1", "")]
    [InlineData("ClusterIP", "None", "")]
    [InlineData("ClusterIP", "\"\"", "")]
    [InlineData("ClusterIP", "10.96.0.1", "  labels: {service.kubernetes.io/service-proxy-name: other-proxy}")]
    [InlineData("ClusterIP", "10.96.0.1", "  labels: {service.kubernetes.io/headless: \"\"}")]
    public void ServicesNoProxyProgramsProduceNothing(string type, string clusterIP, string labels)
    {
        var result = Run(
            Service("ignored", clusterIP, "[{port: 80}]", type: type, extra: labels)
            + Slice("ignored-1", "ignored", "[{port: 80}]", "[{addresses: [10.244.1.1]}]"));

        Assert.Empty(result.IPv4.Services);
        Assert.Empty(result.IPv6.Services);
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [InlineData("not-an-ip", "[{port: 80}]", "Service default/bad: spec.clusterIPs \"not-an-ip\" is not an IP address; service skipped")]
    [InlineData("10.96.0.99", "[{port: 70000}]", "Service default/bad: spec.ports[0].port 70000 is out of range 1-65535; service skipped")]
    [InlineData("10.96.0.99", "[{port: 80}, {name: b, port: 0}]", "Service default/bad: spec.ports[1].port 0 is out of range 1-65535; service skipped")]
    [InlineData("10.96.0.99", "[{port: 80, protocol: ICMP}]", "Service default/bad: spec.ports[0].protocol \"ICMP\" is not TCP, UDP or SCTP; service skipped")]
    [InlineData("10", "[{port: 80}]", "Service default/bad: spec.clusterIPs \"10\" is not an IP address; service skipped")]
    public void AnInvalidServiceIsSkippedWithAWarningNamingIt_AndTheOthersStay(string clusterIP, string ports, string warning)
    {
        var result = Run(
            Service("bad", clusterIP, ports)
            + Service("good", "10.96.0.10", "[{port: 80}]")
            + Slice("good-1", "good", "[{port: 8080}]", "[{addresses: [10.244.1.1]}]"));

        Assert.Equal([warning], result.Warnings);
        Assert.Equal(["default/good TCP 10.96.0.10:80 np=0 -> 10.244.1.1:8080"], Describe(result.IPv4));
    }

    [Fact]
    public void AnInvalidEndpointAddressIsSkippedWithAWarningNamingTheSlice()
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{port: 80}]")
            + Slice("web-1", "web", "[{port: 8080}]", "[{addresses: [10.244.1.300]}, {addresses: [10.244.1.2]}]"));

        Assert.Equal(["EndpointSlice default/web-1: endpoint address \"10.244.1.300\" is not an IPv4 address; endpoint skipped"], result.Warnings);
        Assert.Equal(["default/web TCP 10.96.0.10:80 np=0 -> 10.244.1.2:8080"], Describe(result.IPv4));
    }

    [Theory]
    [InlineData("[{name: http, port: 70000}]", "EndpointSlice default/web-a: ports[0].port 70000 is out of range 1-65535; port skipped")]
    [InlineData("[{name: metrics, port: 9100}, {name: http, port: 0}]", "EndpointSlice default/web-a: ports[1].port 0 is out of range 1-65535; port skipped")]
    [InlineData("[{name: http, port: -1}]", "EndpointSlice default/web-a: ports[0].port -1 is out of range 1-65535; port skipped")]
    [InlineData("[{name: http}]", "EndpointSlice default/web-a: ports[0].port (none) is out of range 1-65535; port skipped")]
    public void ASlicePortOutOfRangeIsSkippedWithAWarningNamingTheSlice_TheOtherSlicesStay(string ports, string warning)
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{name: http, port: 80}]")
            + Slice("web-a", "web", ports, "[{addresses: [10.244.1.2]}]")
            + Slice("web-b", "web", "[{name: http, port: 8080}]", "[{addresses: [10.244.1.3]}]"));

        Assert.Equal([warning], result.Warnings);
        Assert.Equal(["default/web:http TCP 10.96.0.10:80 np=0 -> 10.244.1.3:8080"], Describe(result.IPv4));
    }

    [Fact]
    public void DualStackServicesGetOneServicePortPerFamily_FromTheSlicesOfThatFamily()
    {
        var result = Run(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: ds, namespace: default}
            spec:
              clusterIP: 10.96.0.40
              clusterIPs: [10.96.0.40, "fd00:96::40"]
              ports: [{port: 80}]
            ---

            """
            + Slice("ds-v4", "ds", "[{port: 8080}]", "[{addresses: [10.244.1.2]}]")
            + Slice("ds-v6", "ds", "[{port: 8080}]", "[{addresses: [\"fd00:244::2\"]}]", addressType: "IPv6")
            + Slice("ds-fqdn", "ds", "[{port: 8080}]", "[{addresses: [web.example]}]", addressType: "FQDN"));

        Assert.Equal(["default/ds TCP 10.96.0.40:80 np=0 -> 10.244.1.2:8080"], Describe(result.IPv4));
        Assert.Equal(["default/ds TCP [fd00:96::40]:80 np=0 -> [fd00:244::2]:8080"], Describe(result.IPv6));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void TheLocalTrafficDetectorTakesTheClusterCidrOfEachFamily_AndMasqueradeFollowsIt()
    {
        var options = new ReconcileOptions(false, EquatableArray.Create(IPNetwork.Parse("10.244.0.0/16"), IPNetwork.Parse("fd00:244::/48")));
        var result = Run(Service("web", "10.96.0.10", "[{port: 80}]"), options);

        Assert.Equal(LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("10.244.0.0/16")), result.IPv4.Node.LocalDetector);
        Assert.Equal(LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("fd00:244::/48")), result.IPv6.Node.LocalDetector);
        Assert.Equal(MasqueradeRule.OffCluster, Assert.Single(result.IPv4.Services).Internal.Masquerade);
        var all = Run(Service("web", "10.96.0.10", "[{port: 80}]"), new ReconcileOptions(true, EquatableArray<IPNetwork>.Empty));
        Assert.Null(all.IPv4.Node.LocalDetector);
        Assert.Equal(MasqueradeRule.All, Assert.Single(all.IPv4.Services).Internal.Masquerade);
        Assert.Equal(MasqueradeRule.None, Assert.Single(Run(Service("web", "10.96.0.10", "[{port: 80}]")).IPv4.Services).Internal.Masquerade);
    }

    [Fact]
    public void TheSameInputGivesAnEqualModel()
    {
        var yaml = Service("b", "10.96.0.2", "[{port: 80}]") + Service("a", "10.96.0.1", "[{port: 80}]")
            + Slice("a-1", "a", "[{port: 80}]", "[{addresses: [10.244.1.2]}, {addresses: [10.244.1.1]}]");

        Assert.Equal(Run(yaml).IPv4, Run(yaml).IPv4);
        Assert.Equal(Run(yaml).IPv6, Run(yaml).IPv6);
        Assert.Equal(["default/a", "default/b"], Run(yaml).IPv4.Services.Select(s => s.Name.ToString()));
    }
}
