using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// The ipsets IPVS mode fills, as data (upstream's names and types). Only the sets the model can fill are made:
/// the model has no external IPs, load balancers or health-check node ports yet.
/// </summary>
public static class IpsetNames
{
    public const string LoopBack = "KUBE-LOOP-BACK";
    public const string ClusterIP = "KUBE-CLUSTER-IP";
    public const string NodePortTcp = "KUBE-NODE-PORT-TCP";
    public const string NodePortUdp = "KUBE-NODE-PORT-UDP";
    public const string NodePortSctp = "KUBE-NODE-PORT-SCTP-HASH";
    public const string IpvsIps = "KUBE-IPVS-IPS";

    private static readonly ImmutableArray<(string Name, string Type)> Sets =
    [
        (LoopBack, "hash:ip,port,ip"),
        (ClusterIP, "hash:ip,port"),
        (NodePortTcp, "bitmap:port"),
        (NodePortUdp, "bitmap:port"),
        (NodePortSctp, "hash:ip,port"),
        (IpvsIps, "hash:ip"),
    ];

    /// <summary>The set called <paramref name="name"/> (an IPv4 name above) in <paramref name="family"/>.</summary>
    public static string Of(string name, IpFamily family) => family == IpFamily.IPv4 ? name : "KUBE-6-" + name["KUBE-".Length..];

    public static IReadOnlyList<IpsetDefinition> For(IpFamily family) => [.. Sets.Select(s => new IpsetDefinition(Of(s.Name, family), s.Type, family))];

    /// <summary>Every set name of ours in either family, staging sets included: what cleanup destroys.</summary>
    public static IReadOnlyList<string> All() =>
        [.. new[] { IpFamily.IPv4, IpFamily.IPv6 }.SelectMany(For).SelectMany(d => new[] { d.Name, d.StagingName })];
}
