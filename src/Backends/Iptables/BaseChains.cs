using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// The scaffolding, as data: which base chains we own in which table, and the jump rules from the kernel's
/// built-in chains into them (upstream's iptablesJumpChains). Jump rules are written exactly as iptables-save
/// prints them, so that a missing one is found by comparing text.
/// </summary>
public static class BaseChains
{
    public const string Filter = TableNames.Filter;
    public const string Nat = TableNames.Nat;

    /// <summary>The tables we own chains in: filter and nat, and mangle for its canary alone (<see cref="CanaryChains"/>).</summary>
    public static readonly ImmutableArray<string> Tables = [Filter, Nat, TableNames.Mangle];

    public static readonly ImmutableArray<(string Table, string Chain)> Owned =
    [
        (Filter, ChainNames.Services),
        (Filter, ChainNames.ExternalServices),
        (Filter, ChainNames.Forward),
        (Filter, ChainNames.NodePorts),
        (Filter, ChainNames.ProxyFirewall),
        (Nat, ChainNames.Services),
        (Nat, ChainNames.NodePorts),
        (Nat, ChainNames.Postrouting),
        (Nat, ChainNames.MarkMasq),
    ];

    private const string New = "-m conntrack --ctstate NEW ";
    private const string LoadBalancerFirewall = New + "-m comment --comment \"kubernetes load balancer firewall\" -j " + ChainNames.ProxyFirewall;
    private const string ServicePortals = "-m comment --comment \"kubernetes service portals\" -j " + ChainNames.Services;
    private const string ExternalPortals = New + "-m comment --comment \"kubernetes externally-visible service portals\" -j " + ChainNames.ExternalServices;

    /// <summary>Built-in chain → jump rule, in the order they should appear at the top of that chain.</summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps =
    [
        (Filter, "INPUT", LoadBalancerFirewall),
        (Filter, "INPUT", "-m comment --comment \"kubernetes health check service ports\" -j " + ChainNames.NodePorts),
        (Filter, "INPUT", ExternalPortals),
        (Filter, "FORWARD", LoadBalancerFirewall),
        (Filter, "FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j " + ChainNames.Forward),
        (Filter, "FORWARD", New + ServicePortals),
        (Filter, "FORWARD", ExternalPortals),
        (Filter, "OUTPUT", LoadBalancerFirewall),
        (Filter, "OUTPUT", New + ServicePortals),
        (Nat, "PREROUTING", ServicePortals),
        (Nat, "OUTPUT", ServicePortals),
        (Nat, "POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j " + ChainNames.Postrouting),
    ];

    /// <summary>
    /// The jumps into kubelet's KUBE-FIREWALL (upstream's iptablesKubeletJumpChains), ensured while we put the
    /// localhost node-port anti-martian rule there; like kubelet's own, never removed.
    /// </summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn, string Rule)> KubeletFirewallJumps =
    [
        (Filter, "INPUT", "-j " + ChainNames.KubeletFirewall),
        (Filter, "OUTPUT", "-j " + ChainNames.KubeletFirewall),
    ];

    /// <summary>True for the shared chains every service has rules in (ours, and kubelet's KUBE-FIREWALL), in either table.</summary>
    public static bool IsBase(string chain) => Owned.Any(o => o.Chain == chain) || chain == ChainNames.KubeletFirewall;

    /// <summary>True for chains we own: the base chains above, the canaries and every generated per-service chain.</summary>
    public static bool IsOwned(string table, string chain) => Owned.Contains((table, chain)) || CanaryChains.Is(table, chain) || ChainNames.IsGenerated(chain);
}
