using Proxy.Core.Model;
using Proxy.Core.Naming;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Names in our tables, as data (the layout is described in this folder's README). Shared objects have fixed names, or
/// names made of a route label, an endpoint count and a protocol suffix; the only per-service objects are those of
/// session affinity, named as upstream names its own: <c>HASH-ns/name/proto/port</c> (and <c>…__ip/port</c> per
/// endpoint), where HASH is the first 8 base32 characters of the SHA-256 of the rest.
/// </summary>
/// <remarks>
/// Budget: nft names are at most <see cref="NameLengthMax"/> bytes. A per-service name is a prefix of at most
/// <see cref="PrefixLengthMax"/> (the longest route label, <c>local-masq-offcluster-</c>, is 22; <c>affinity-</c> is 9)
/// plus a base of at most <see cref="BaseLengthMax"/>, truncated with "..." (the hash keeps it unique). A base is
/// 8 + 1 + 63 + 1 + 63 + 1 + 4 + 1 + 63 = 205 characters at most for a port, so only an endpoint base with a long IPv6
/// address can ever be truncated. Comments are limited to 128 bytes by nft (<see cref="NftObject.Comment"/>).
/// </remarks>
public static class NftNames
{
    public const int NameLengthMax = 255;
    public const int PrefixLengthMax = 24;
    public const int BaseLengthMax = NameLengthMax - PrefixLengthMax;

    public const string Table = "kube-proxy";
    public const string TableComment = "rules for kube-proxy-sharp";

    // Dispatch: destination → the chain that serves it.
    public const string ServiceIPs = "service-ips";
    public const string ServiceNodePorts = "service-nodeports";
    public const string Services = "services";
    public const string NodePortIPs = "nodeport-ips";

    // External traffic with upstream's short-circuits (externalTrafficPolicy: Local): pods, then the node, then the policy.
    public const string ExternalIPs = "external-ips";
    public const string ExternalNodePorts = "external-nodeports";
    public const string ExternalIPsFromPods = "external-ips-from-pods";
    public const string ExternalIPsFromNode = "external-ips-from-node";
    public const string ExternalIPsPolicy = "external-ips-policy";
    public const string ExternalNodePortsFromPods = "external-nodeports-from-pods";
    public const string ExternalNodePortsFromNode = "external-nodeports-from-node";
    public const string ExternalNodePortsPolicy = "external-nodeports-policy";

    // Empty endpoint sets, source ranges, and the guard rails around cluster IPs.
    public const string NoEndpointServices = "no-endpoint-services";
    public const string NoEndpointNodePorts = "no-endpoint-nodeports";
    public const string Reject = "reject-chain";
    public const string FirewallIPs = "firewall-ips";
    public const string FirewallAllow = "firewall-allow";
    public const string ClusterIPs = "cluster-ips";
    public const string ClusterIPsCheck = "cluster-ips-check";

    // The base chain of dispatch (one rule: jump services).
    public const string NatPrerouting = "nat-prerouting";

    // Masquerading.
    public const string MarkForMasquerade = "mark-for-masquerade";
    public const string Hairpin = "hairpin-endpoints";

    /// <summary>Every destination whose key has an address (cluster, external and load-balancer IPs) or only a port (node ports).</summary>
    public static string Prefix(Destination destination) => destination == Destination.NodePort ? "nodeport-" : "";

    /// <summary>
    /// The DNAT map of one endpoint set of N endpoints for one protocol: destination key . index → endpoint. TCP's
    /// names have no suffix, UDP's and SCTP's end in <c>-udp</c>, <c>-sctp</c> (see <see cref="ProtocolSuffix"/>).
    /// </summary>
    public static string EndpointMap(Destination destination, EndpointSetKind set, int endpoints, string protocol) =>
        $"{Prefix(destination)}{Set(set)}-endpoints-{endpoints}{ProtocolSuffix(protocol)}";

    /// <summary>The shared chain of one route for N endpoints of one protocol: its masquerade rule, then the DNAT through its map.</summary>
    public static string RouteChain(Destination destination, NftRoute route, int endpoints, string protocol) =>
        $"{Prefix(destination)}{route.Label}-dnat-{endpoints}{ProtocolSuffix(protocol)}";

    /// <summary>
    /// Endpoint maps and route chains are per protocol because a map's value type names one: nft 1.0.6 cannot read a
    /// value typed <c>ip daddr . th dport</c> back from the kernel ("conflicting protocols specified: ip vs. th"), so
    /// no later transaction could add a rule using such a map; typed <c>tcp dport</c>, the DNAT rule gets an implicit
    /// <c>meta l4proto tcp</c> and would never translate UDP or SCTP. One map per protocol makes that match right.
    /// </summary>
    public static string ProtocolSuffix(string protocol) => protocol == "tcp" ? "" : "-" + protocol;

    /// <summary>A service port's own chain for one route (session affinity only).</summary>
    public static string AffinityChain(ServicePortName port, NftRoute route) => $"{route.Label}-{PortBase(port)}";

    /// <summary>The per-source memory of one endpoint of a service port, upstream's affinity set name.</summary>
    public static string AffinitySet(ServicePortName port, Endpoint endpoint) => $"affinity-{EndpointBase(port, endpoint)}";

    public static string Set(EndpointSetKind set) => set == EndpointSetKind.Cluster ? "cluster" : "local";

    /// <summary>upstream's servicePortChainNameBase: <c>HASH-ns/name/proto/port</c>.</summary>
    public static string PortBase(ServicePortName port) => HashAndTruncate($"{port.Namespace}/{port.Name}/{port.Protocol.ToLower()}/{port.PortName}");

    /// <summary>upstream's servicePortEndpointChainNameBase: <c>HASH-ns/name/proto/port__ip/port</c> (IPv6 colons as dots).</summary>
    public static string EndpointBase(ServicePortName port, Endpoint endpoint) =>
        HashAndTruncate($"{port.Namespace}/{port.Name}/{port.Protocol.ToLower()}/{port.PortName}__{endpoint.Address.ToString().Replace(':', '.')}/{endpoint.Port}");

    /// <summary>
    /// The hash of <paramref name="name"/>, then the name itself, with any character nft does not take in a name
    /// (valid Kubernetes names never have one; validation keeps the others out) written "_": the hash, taken of the
    /// name as it is, keeps such names apart.
    /// </summary>
    private static string HashAndTruncate(string name)
    {
        var safe = string.Create(name.Length, name, (chars, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '.' or '/' or '-' ? text[i] : '_';
            }
        });
        var based = UpstreamHash.Base32Sha256(name, 8) + "-" + safe;
        return based.Length > BaseLengthMax ? based[..(BaseLengthMax - 3)] + "..." : based;
    }
}
