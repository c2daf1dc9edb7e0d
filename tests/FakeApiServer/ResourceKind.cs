namespace Proxy.Testing.FakeApi;

/// <summary>One resource the fake serves: its collection path, and the kind/apiVersion of items and lists.</summary>
public sealed record ResourceKind(string Resource, string Path, string Kind, string ApiVersion)
{
    public static readonly ResourceKind Services = new("services", "/api/v1/services", "Service", "v1");
    public static readonly ResourceKind EndpointSlices = new("endpointslices", "/apis/discovery.k8s.io/v1/endpointslices", "EndpointSlice", "discovery.k8s.io/v1");
    public static readonly ResourceKind Nodes = new("nodes", "/api/v1/nodes", "Node", "v1");
    public static readonly ResourceKind ServiceCIDRs = new("servicecidrs", "/apis/networking.k8s.io/v1/servicecidrs", "ServiceCIDR", "networking.k8s.io/v1");

    public static readonly IReadOnlyList<ResourceKind> All = [Services, EndpointSlices, Nodes, ServiceCIDRs];

    public string ListKind => Kind + "List";
}
