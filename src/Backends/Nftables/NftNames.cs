namespace Proxy.Backends.Nftables;

/// <summary>
/// Names in our tables, as data. The layout keeps the number of chains independent of the number of services:
/// service ports are elements of shared verdict maps, and endpoints are elements of one DNAT map per endpoint count
/// N (keyed by service and <c>numgen random mod N</c>), so `nft list table ip kube-proxy` stays short and a change
/// to one service is a few element updates. Element comments carry <c>ns/name:port</c> (nft allows 128 bytes).
/// </summary>
public static class NftNames
{
    public const string Table = "kube-proxy";
    public const string TableComment = "rules for kube-proxy-sharp";

    public const string ServiceIPs = "service-ips";
    public const string ServiceNodePorts = "service-nodeports";
    public const string NoEndpointServices = "no-endpoint-services";
    public const string NoEndpointNodePorts = "no-endpoint-nodeports";
    public const string ClusterIPs = "cluster-ips";
    public const string Hairpin = "hairpin-endpoints";

    public const string MarkForMasquerade = "mark-for-masquerade";
    public const string Reject = "reject-chain";
    public const string Services = "services";

    public static string ClusterDnat(int endpoints) => $"cluster-dnat-{endpoints}";

    public static string NodePortDnat(int endpoints) => $"nodeport-dnat-{endpoints}";

    public static string ClusterEndpoints(int endpoints) => $"cluster-endpoints-{endpoints}";

    public static string NodePortEndpoints(int endpoints) => $"nodeport-endpoints-{endpoints}";
}
