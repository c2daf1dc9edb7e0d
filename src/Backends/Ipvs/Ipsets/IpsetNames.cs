using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// The ipsets IPVS mode fills, as data: upstream's names, types and comments (pkg/proxy/ipvs/ipset.go), in upstream's
/// order. IPv6 names are <c>KUBE-6-</c> plus the rest and, as upstream, cut to the kernel's 31 characters.
/// </summary>
public static class IpsetNames
{
    /// <summary>IPSET_MAXNAMELEN - 1: the kernel refuses longer names.</summary>
    public const int MaxNameLength = 31;

    public const string LoopBack = "KUBE-LOOP-BACK";
    public const string ClusterIP = "KUBE-CLUSTER-IP";
    public const string ExternalIP = "KUBE-EXTERNAL-IP";
    public const string ExternalIPLocal = "KUBE-EXTERNAL-IP-LOCAL";
    public const string LoadBalancer = "KUBE-LOAD-BALANCER";
    public const string LoadBalancerFirewall = "KUBE-LOAD-BALANCER-FW";
    public const string LoadBalancerLocal = "KUBE-LOAD-BALANCER-LOCAL";
    public const string LoadBalancerSourceIP = "KUBE-LOAD-BALANCER-SOURCE-IP";
    public const string LoadBalancerSourceCidr = "KUBE-LOAD-BALANCER-SOURCE-CIDR";
    public const string NodePortTcp = "KUBE-NODE-PORT-TCP";
    public const string NodePortLocalTcp = "KUBE-NODE-PORT-LOCAL-TCP";
    public const string NodePortUdp = "KUBE-NODE-PORT-UDP";
    public const string NodePortLocalUdp = "KUBE-NODE-PORT-LOCAL-UDP";
    public const string NodePortSctp = "KUBE-NODE-PORT-SCTP-HASH";
    public const string NodePortLocalSctp = "KUBE-NODE-PORT-LOCAL-SCTP-HASH";
    public const string HealthCheckNodePort = "KUBE-HEALTH-CHECK-NODE-PORT";
    public const string IpvsIps = "KUBE-IPVS-IPS";

    private static readonly ImmutableArray<(string Name, string Type, string Comment)> Sets =
    [
        (LoopBack, "hash:ip,port,ip", "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
        (ClusterIP, "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose"),
        (ExternalIP, "hash:ip,port", "Kubernetes service external ip + port for masquerade and filter purpose"),
        (ExternalIPLocal, "hash:ip,port", "Kubernetes service external ip + port with externalTrafficPolicy=local"),
        (LoadBalancer, "hash:ip,port", "Kubernetes service lb portal"),
        (LoadBalancerFirewall, "hash:ip,port", "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
        (LoadBalancerLocal, "hash:ip,port", "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
        (LoadBalancerSourceIP, "hash:ip,port,ip", "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
        (LoadBalancerSourceCidr, "hash:ip,port,net", "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
        (NodePortTcp, "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose"),
        (NodePortLocalTcp, "bitmap:port", "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
        (NodePortUdp, "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose"),
        (NodePortLocalUdp, "bitmap:port", "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
        (NodePortSctp, "hash:ip,port", "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
        (NodePortLocalSctp, "hash:ip,port", "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"),
        (HealthCheckNodePort, "bitmap:port", "Kubernetes health check node port"),
        (IpvsIps, "hash:ip", "Addresses on the ipvs interface"),
    ];

    /// <summary>The set called <paramref name="name"/> (an IPv4 name above) in <paramref name="family"/>.</summary>
    public static string Of(string name, IpFamily family) =>
        family == IpFamily.IPv4 ? name : Cut("KUBE-6-" + name["KUBE-".Length..]);

    /// <summary>Upstream's comment for the set called <paramref name="name"/> (an IPv4 name above): its iptables rules carry it.</summary>
    public static string CommentOf(string name) => Sets.First(s => s.Name == name).Comment;

    public static IReadOnlyList<IpsetDefinition> For(IpFamily family) =>
        [.. Sets.Select(s => new IpsetDefinition(Of(s.Name, family), s.Type, family) { StagingName = StagingNameOf(Of(s.Name, family)) })];

    /// <summary>Every set name of ours in either family, staging sets included: what cleanup destroys.</summary>
    public static IReadOnlyList<string> All() =>
        [.. new[] { IpFamily.IPv4, IpFamily.IPv6 }.SelectMany(For).SelectMany(d => new[] { d.Name, d.StagingName })];

    /// <summary>
    /// The set a full sync fills before swapping it in: the name plus <c>-NEW</c> when that fits in 31 characters;
    /// otherwise a prefix, four hex digits of the name's SHA-256 (cut names share prefixes: KUBE-6-LOAD-BALANCER-SOURCE-*)
    /// and <c>-NEW</c>. Ours too, so cleanup finds a leftover one.
    /// </summary>
    private static string StagingNameOf(string name)
    {
        const string suffix = "-NEW";
        if (name.Length + suffix.Length <= MaxNameLength)
        {
            return name + suffix;
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(name)))[..4];
        return $"{name[..(MaxNameLength - suffix.Length - hash.Length - 1)]}-{hash}{suffix}";
    }

    private static string Cut(string name) => name.Length <= MaxNameLength ? name : name[..MaxNameLength];
}
