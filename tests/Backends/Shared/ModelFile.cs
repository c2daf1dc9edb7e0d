using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Proxy.Core.Model;

namespace Proxy.Backends.Testing;

/// <summary>
/// A <see cref="ProxyState"/> written as JSON for golden folders (model.json): IPs and endpoints as strings, so the
/// input reads like what it means. Shorthands keep the common case short: <c>clusterCidr</c> is a ClusterCIDR local
/// detector; <c>endpoints</c> is the cluster set; a route left out is what the reconciler decides for Cluster
/// policies (internal: masqueraded off-cluster with a detector, all with <c>masqueradeAll</c>; external: always).
/// Endpoints listed in <c>localEndpoints</c> are local wherever they appear.
/// </summary>
internal sealed record ModelFile(string Family, bool MasqueradeAll, string? ClusterCidr, ModelFile.Detector? LocalDetector, ModelFile.NodePortsSpec? NodePorts, List<ModelFile.Service> Services)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static ProxyState Load(string path)
    {
        var file = JsonSerializer.Deserialize<ModelFile>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty model");
        return file.ToState();
    }

    public ProxyState ToState()
    {
        var detector = LocalDetector?.ToModel()
            ?? (ClusterCidr is null ? null : LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse(ClusterCidr)));
        var nodePorts = NodePorts?.ToModel() ?? NodePortAddresses.AllLocalAddresses(loopback: false);
        var internalMasquerade = MasqueradeAll ? MasqueradeRule.All : detector is null ? MasqueradeRule.None : MasqueradeRule.OffCluster;
        return ProxyState.Create(Enum.Parse<IpFamily>(Family), new NodeNetwork(detector, nodePorts), Services.Select(s => s.ToModel(internalMasquerade)));
    }

    internal sealed record Detector(DetectLocalMode Mode, string? Cidr, string? Interface)
    {
        public LocalTrafficDetector ToModel() => new(Mode, Cidr is null ? null : IPNetwork.Parse(Cidr), Interface);
    }

    internal sealed record NodePortsSpec(bool AllLocal, List<string>? Addresses, bool Loopback)
    {
        public NodePortAddresses ToModel() => new(AllLocal, (Addresses ?? []).Select(IPAddress.Parse).ToEquatableArray(), Loopback);
    }

    internal sealed record Route(EndpointSetKind Endpoints, MasqueradeRule Masquerade, EmptyVerdict WhenEmpty, bool PodsUseClusterSet, bool NodeUsesClusterSet)
    {
        public TrafficRoute ToModel() => new(Endpoints, Masquerade, WhenEmpty) { PodsUseClusterSet = PodsUseClusterSet, NodeUsesClusterSet = NodeUsesClusterSet };
    }

    internal sealed record Service(
        string Namespace,
        string Name,
        string? Port,
        string? Protocol,
        string ClusterIP,
        int ServicePort,
        int NodePort,
        List<string>? Endpoints,
        List<string>? LocalEndpoints,
        List<string>? ExternalIPs,
        List<string>? LoadBalancerIPs,
        List<string>? SourceRanges,
        Route? Internal,
        Route? External,
        int AffinitySeconds,
        int HealthCheckNodePort)
    {
        public ServicePort ToModel(MasqueradeRule internalMasquerade)
        {
            var local = (LocalEndpoints ?? []).ToHashSet(StringComparer.Ordinal);
            EquatableArray<Endpoint> Set(IEnumerable<string> texts) =>
                texts.Select(t => (Text: t, EndPoint: IPEndPoint.Parse(t))).Select(e => new Endpoint(e.EndPoint.Address, e.EndPoint.Port, local.Contains(e.Text))).Order().ToEquatableArray();
            return new ServicePort(
                new ServicePortName(Namespace, Name, Port ?? "", Enum.Parse<L4Protocol>(Protocol ?? "Tcp", ignoreCase: true)),
                IPAddress.Parse(ClusterIP),
                ServicePort)
            {
                NodePort = NodePort,
                ClusterEndpoints = Set(Endpoints ?? []),
                LocalEndpoints = Set(local),
                ExternalIPs = (ExternalIPs ?? []).Select(IPAddress.Parse).ToEquatableArray(),
                LoadBalancerIPs = (LoadBalancerIPs ?? []).Select(IPAddress.Parse).ToEquatableArray(),
                LoadBalancerSourceRanges = (SourceRanges ?? []).Select(IPNetwork.Parse).ToEquatableArray(),
                Internal = Internal?.ToModel() ?? new TrafficRoute(EndpointSetKind.Cluster, internalMasquerade, EmptyVerdict.Reject),
                External = External?.ToModel() ?? TrafficRoute.ClusterMasqueraded,
                Affinity = AffinitySeconds == 0 ? null : new ClientIPAffinity(AffinitySeconds),
                HealthCheckNodePort = HealthCheckNodePort,
            };
        }
    }
}
