using k8s.Models;
using Proxy.Validation;

namespace Proxy.Tests.Validation;

public class EndpointSliceValidationTests
{
    private static V1EndpointSlice Slice(string? name = "web-abc12", string service = "web", string? addressType = "IPv4", params Discoveryv1EndpointPort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = addressType,
        Ports = ports.Length > 0 ? ports : [new Discoveryv1EndpointPort { Name = "http", Port = 8080 }],
        Endpoints = [new V1Endpoint { Addresses = ["10.244.1.2"] }],
    };

    [Fact]
    public void AValidSlicePasses()
    {
        var warnings = new List<string>();

        Assert.True(EndpointSliceValidation.Validate(Slice("web.v1-abc", ports: [new() { Name = "", Port = 53, Protocol = "UDP" }, new() { Name = "dns-tcp", Port = 53, Protocol = "TCP" }]), warnings));
        Assert.True(EndpointSliceValidation.Validate(Slice(addressType: "FQDN"), warnings));
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("Web-1", "web", "IPv4", "metadata.name \"Web-1\" must be an RFC 1123 subdomain")]
    [InlineData(null, "web", "IPv4", "metadata.name is required")]
    [InlineData("web-1", "web\n", "IPv4", "metadata.labels[kubernetes.io/service-name] \"web\\n\" must be a label value")]
    [InlineData("web-1", "web", "IPv5", "addressType \"IPv5\" is not IPv4, IPv6 or FQDN")]
    [InlineData("web-1", "web", null, "addressType (none) is not")]
    public void MetadataAndAddressTypeAreChecked(string? name, string service, string? addressType, string expected)
    {
        var warnings = new List<string>();

        Assert.False(EndpointSliceValidation.Validate(Slice(name, service, addressType), warnings));
        Assert.Contains(expected, Assert.Single(warnings));
        Assert.EndsWith("; EndpointSlice skipped", warnings[0]);
    }

    [Fact]
    public void PortNamesMustBeLabelsAndUniqueAndProtocolsKnown()
    {
        var warnings = new List<string>();

        Assert.False(EndpointSliceValidation.Validate(Slice(ports: [new() { Name = "h\"ttp", Port = 1 }, new() { Name = "a", Port = 2 }, new() { Name = "a", Port = 3, Protocol = "ICMP" }]), warnings));

        var warning = Assert.Single(warnings);
        Assert.Contains("ports[0].name \"h\\\"ttp\" must be an RFC 1123 label", warning);
        Assert.Contains("ports[2].name \"a\" is repeated", warning);
        Assert.Contains("ports[2].protocol \"ICMP\" is not TCP, UDP or SCTP", warning);
    }

    [Fact]
    public void MoreEndpointsThanASliceCanHoldIsRefused()
    {
        var warnings = new List<string>();
        var slice = Slice();
        slice.Endpoints = [.. Enumerable.Range(0, 1001).Select(i => new V1Endpoint { Addresses = [$"10.244.{i / 250}.{(i % 250) + 1}"] })];

        Assert.False(EndpointSliceValidation.Validate(slice, warnings));
        Assert.Contains("endpoints has 1001 entries, more than 1000", Assert.Single(warnings));
    }
}
