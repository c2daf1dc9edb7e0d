using k8s.Models;
using Proxy.Validation;

namespace Proxy.Tests.Validation;

public class ServiceValidationTests
{
    private static V1Service Service(string? name = "web", string? ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { ClusterIP = "10.96.0.10", Ports = ports.Length > 0 ? ports : [new V1ServicePort { Name = "http", Port = 80 }] },
    };

    [Fact]
    public void AValidServicePassesWithoutAWarning()
    {
        var warnings = new List<string>();

        Assert.True(ServiceValidation.Validate(Service(ns: null, ports: [new V1ServicePort { Port = 80, TargetPort = "http" }, new V1ServicePort { Name = "b", Port = 81, TargetPort = 0 }]), warnings));
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("1web", "default", "metadata.name \"1web\" must be an RFC 1035 label")]
    [InlineData("Web", "default", "metadata.name \"Web\"")]
    [InlineData("web\n-A KUBE-SERVICES -j ACCEPT", "default", "metadata.name \"web\\n-A KUBE-SERVICES -j ACCEPT\"")]
    [InlineData("", "default", "metadata.name is required")]
    [InlineData(null, "default", "metadata.name is required")]
    [InlineData("web", "kube_system", "metadata.namespace \"kube_system\" must be an RFC 1123 label")]
    [InlineData("web", "", "metadata.namespace \"\"")]
    [InlineData("web", "a\"b", "metadata.namespace \"a\\\"b\"")]
    public void ANameTheApiServerRefusesIsNamedInOneWarning(string? name, string? ns, string expected)
    {
        var warnings = new List<string>();

        Assert.False(ServiceValidation.Validate(Service(name, ns), warnings));
        Assert.Contains(expected, Assert.Single(warnings));
        Assert.EndsWith("; Service skipped", warnings[0]);
        Assert.DoesNotContain('\n', warnings[0]);
    }

    [Theory]
    [InlineData("Http", null, "spec.ports[0].name \"Http\" must be an RFC 1123 label")]
    [InlineData("ht\"tp", null, "spec.ports[0].name \"ht\\\"tp\"")]
    [InlineData("http", "8080x-", "spec.ports[0].targetPort \"8080x-\" must be an IANA service name")]
    [InlineData("http", "70000", "spec.ports[0].targetPort 70000 is out of range")]
    [InlineData("http", "-1", "spec.ports[0].targetPort -1 is out of range")]
    [InlineData("http", "99999999999999999999999", "is out of range")]
    public void PortNamesAndTargetPortsAreCheckedAsTheApiServerChecksThem(string portName, string? targetPort, string expected)
    {
        var warnings = new List<string>();
        var port = new V1ServicePort { Name = portName, Port = 80, TargetPort = targetPort };

        Assert.False(ServiceValidation.Validate(Service(ports: port), warnings));
        Assert.Contains(expected, Assert.Single(warnings));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var warnings = new List<string>();

        ServiceValidation.Validate(Service("Web", "NS", new V1ServicePort { Name = "A", Port = 80 }, new V1ServicePort { Name = "b", Port = 81, TargetPort = "--" }), warnings);

        var warning = Assert.Single(warnings);
        Assert.StartsWith("Service \"NS/Web\": ", warning);
        Assert.Contains("metadata.name", warning);
        Assert.Contains("metadata.namespace", warning);
        Assert.Contains("spec.ports[0].name", warning);
        Assert.Contains("spec.ports[1].targetPort", warning);
    }
}
