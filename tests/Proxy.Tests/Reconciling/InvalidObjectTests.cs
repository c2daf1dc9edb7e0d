using System.Net;
using Proxy.Core.Model;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Objects;

namespace Proxy.Tests.Reconciling;

/// <summary>Objects the API server would refuse, from a source that let them through: each skipped with one warning, the rest programmed.</summary>
public class InvalidObjectTests
{
    private static ReconcileResult Run(string yaml) => Semantics.Run(yaml);

    private static string[] Names(ProxyState state) => [.. state.Services.Select(s => s.Name.ToString())];

    [Fact]
    public void AServiceWithANameTheApiServerRefusesIsSkipped_AndTheOthersAreProgrammed()
    {
        var result = Run(
            Service("\"web\\n-A KUBE-SERVICES -j ACCEPT\"", "10.96.0.10", "[{name: http, port: 80}]")
            + Service("ok", "10.96.0.11", "[{name: http, port: 80}]")
            + Service("bad-port-name", "10.96.0.12", "[{name: \"h\\\"ttp\", port: 80}]"));

        Assert.Equal(["default/ok:http"], Names(result.IPv4));
        Assert.Equal(2, result.Warnings.Length);
        Assert.Contains(result.Warnings, w => w.StartsWith("Service \"default/web\\n-A KUBE-SERVICES -j ACCEPT\": metadata.name", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("Service default/bad-port-name: spec.ports[0].name \"h\\\"ttp\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ALeadingZeroClusterIPIsReadAsDecimal()
    {
        var result = Run(Service("web", "10.96.0.010", "[{port: 80}]"));

        Assert.Equal(IPAddress.Parse("10.96.0.10"), Assert.Single(result.IPv4.Services).ClusterIP);
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("010.244.1.3", null)]
    public void AnEndpointAtASpecialAddressIsSkipped_TheOthersOfItsSliceStay(string address, string? problem)
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{name: http, port: 80}]")
            + Slice("web-1", "web", "[{name: http, port: 8080}]", $"[{{addresses: [10.244.1.2]}}, {{addresses: [\"{address}\"]}}]"));

        var endpoints = Assert.Single(result.IPv4.Services).ClusterEndpoints.Select(e => e.ToString());
        if (problem is null)
        {
            Assert.Equal(["10.244.1.2:8080", "10.244.1.3:8080"], endpoints);
            Assert.Empty(result.Warnings);
        }
        else
        {
            Assert.Equal(["10.244.1.2:8080"], endpoints);
            Assert.Contains(problem, Assert.Single(result.Warnings));
            Assert.StartsWith($"EndpointSlice default/web-1: endpoint address \"{address}\"", result.Warnings[0]);
        }
    }

    [Fact]
    public void AnExternalIPAtASpecialAddressIsIgnored_TheServiceIsProgrammed()
    {
        var result = Run(Service("web", "10.96.0.10", "[{port: 80}]", extra: "", type: "ClusterIP").Replace("  ports:", "  externalIPs: [169.254.169.254, 192.0.2.7, 127.0.0.1]\n  ports:", StringComparison.Ordinal));

        Assert.Equal([IPAddress.Parse("192.0.2.7")], Assert.Single(result.IPv4.Services).ExternalIPs);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("spec.externalIPs[0] \"169.254.169.254\" may not be in the link-local range", warning);
        Assert.Contains("spec.externalIPs[2] \"127.0.0.1\" may not be in the loopback range", warning);
    }

    [Fact]
    public void ASliceTheApiServerWouldRefuseIsLeftOut_AnotherSliceOfTheServiceIsUsed()
    {
        var result = Run(
            Service("web", "10.96.0.10", "[{name: http, port: 80}]")
            + Slice("web-1", "web", "[{name: http, port: 8080}]", "[{addresses: [10.244.1.2]}]")
            + Slice("web-2", "web", "[{name: http, port: 8080, protocol: tcp}]", "[{addresses: [10.244.1.3]}]")
            + Slice("orphan", "\"web\\n\"", "[{name: http, port: 8080}]", "[{addresses: [10.244.1.4]}]"));

        Assert.Equal(["10.244.1.2:8080"], Assert.Single(result.IPv4.Services).ClusterEndpoints.Select(e => e.ToString()));
        Assert.Equal(2, result.Warnings.Length);
        Assert.Contains(result.Warnings, w => w.StartsWith("EndpointSlice default/web-2: ports[0].protocol \"tcp\"", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("EndpointSlice default/orphan: metadata.labels[kubernetes.io/service-name] \"web\\n\"", StringComparison.Ordinal));
    }
}
