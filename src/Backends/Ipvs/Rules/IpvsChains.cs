using System.Collections.Immutable;
using Proxy.Backends.Xtables;

namespace Proxy.Backends.Ipvs.Rules;

/// <summary>
/// The iptables scaffolding of IPVS mode, as data: upstream's chains per table and its jumps from the built-in chains
/// (pkg/proxy/ipvs iptablesChains and iptablesJumpChain, in that order). Jump rules are spelled as iptables-save prints
/// them, so a missing one is found by comparing text.
/// </summary>
public static class IpvsChains
{
    public const string Services = "KUBE-SERVICES";
    public const string Postrouting = "KUBE-POSTROUTING";
    public const string NodePort = "KUBE-NODE-PORT";
    public const string LoadBalancer = "KUBE-LOAD-BALANCER";
    public const string MarkMasq = "KUBE-MARK-MASQ";
    public const string Forward = "KUBE-FORWARD";
    public const string Firewall = "KUBE-PROXY-FIREWALL";
    public const string SourceRangesFirewall = "KUBE-SOURCE-RANGES-FIREWALL";
    public const string IpvsFilter = "KUBE-IPVS-FILTER";
    public const string IpvsOutFilter = "KUBE-IPVS-OUT-FILTER";

    public static readonly ImmutableArray<(string Table, string Chain)> Owned =
    [
        (TableNames.Nat, Services),
        (TableNames.Nat, Postrouting),
        (TableNames.Nat, NodePort),
        (TableNames.Nat, LoadBalancer),
        (TableNames.Nat, MarkMasq),
        (TableNames.Filter, Forward),
        (TableNames.Filter, NodePort),
        (TableNames.Filter, Firewall),
        (TableNames.Filter, SourceRangesFirewall),
        (TableNames.Filter, IpvsFilter),
        (TableNames.Filter, IpvsOutFilter),
    ];

    /// <summary>Each is inserted at the top of its built-in chain in this order, as upstream prepends them (so the last one ends up first).</summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps =
    [
        (TableNames.Nat, "OUTPUT", Jump("kubernetes service portals", Services)),
        (TableNames.Nat, "PREROUTING", Jump("kubernetes service portals", Services)),
        (TableNames.Nat, "POSTROUTING", Jump("kubernetes postrouting rules", Postrouting)),
        (TableNames.Filter, "FORWARD", Jump("kubernetes forwarding rules", Forward)),
        (TableNames.Filter, "INPUT", Jump("kubernetes health check rules", NodePort)),
        (TableNames.Filter, "INPUT", Jump("kube-proxy firewall rules", Firewall)),
        (TableNames.Filter, "FORWARD", Jump("kube-proxy firewall rules", Firewall)),
        (TableNames.Filter, "INPUT", Jump("kubernetes ipvs access filter", IpvsFilter)),
        (TableNames.Filter, "OUTPUT", Jump("kubernetes ipvs access filter", IpvsOutFilter)),
    ];

    public static bool IsOwned(string table, string chain) => Owned.Contains((table, chain));

    /// <summary>
    /// The built-in chain of each table whose jumps the drift check lists (the first one each table's jumps come from):
    /// a flushed table has lost them, and one small listing per table says so.
    /// </summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn)> Probes =
        [.. Jumps.GroupBy(j => j.Table).Select(g => (g.Key, g.First().BuiltIn))];

    private static string Jump(string comment, string chain) => $"-m comment --comment \"{comment}\" -j {chain}";
}
