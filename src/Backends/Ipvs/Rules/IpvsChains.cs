using System.Collections.Immutable;
using Proxy.Backends.Iptables;

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
        (BaseChains.Nat, Services),
        (BaseChains.Nat, Postrouting),
        (BaseChains.Nat, NodePort),
        (BaseChains.Nat, LoadBalancer),
        (BaseChains.Nat, MarkMasq),
        (BaseChains.Filter, Forward),
        (BaseChains.Filter, NodePort),
        (BaseChains.Filter, Firewall),
        (BaseChains.Filter, SourceRangesFirewall),
        (BaseChains.Filter, IpvsFilter),
        (BaseChains.Filter, IpvsOutFilter),
    ];

    /// <summary>Each is inserted at the top of its built-in chain in this order, as upstream prepends them (so the last one ends up first).</summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps =
    [
        (BaseChains.Nat, "OUTPUT", Jump("kubernetes service portals", Services)),
        (BaseChains.Nat, "PREROUTING", Jump("kubernetes service portals", Services)),
        (BaseChains.Nat, "POSTROUTING", Jump("kubernetes postrouting rules", Postrouting)),
        (BaseChains.Filter, "FORWARD", Jump("kubernetes forwarding rules", Forward)),
        (BaseChains.Filter, "INPUT", Jump("kubernetes health check rules", NodePort)),
        (BaseChains.Filter, "INPUT", Jump("kube-proxy firewall rules", Firewall)),
        (BaseChains.Filter, "FORWARD", Jump("kube-proxy firewall rules", Firewall)),
        (BaseChains.Filter, "INPUT", Jump("kubernetes ipvs access filter", IpvsFilter)),
        (BaseChains.Filter, "OUTPUT", Jump("kubernetes ipvs access filter", IpvsOutFilter)),
    ];

    public static bool IsOwned(string table, string chain) => Owned.Contains((table, chain));

    private static string Jump(string comment, string chain) => $"-m comment --comment \"{comment}\" -j {chain}";
}
