using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// The scaffolding, as data: which base chains we own in which table, and the jump rules from the kernel's
/// built-in chains into them (upstream's iptablesJumpChains). Jump rules are written exactly as iptables-save
/// prints them, so that a missing one is found by comparing text.
/// </summary>
public static class BaseChains
{
    public const string Filter = "filter";
    public const string Nat = "nat";

    /// <summary>Tables in payload order.</summary>
    public static readonly ImmutableArray<string> Tables = [Filter, Nat];

    public static readonly ImmutableArray<(string Table, string Chain)> Owned =
    [
        (Filter, ChainNames.Services),
        (Filter, ChainNames.ExternalServices),
        (Filter, ChainNames.Forward),
        (Nat, ChainNames.Services),
        (Nat, ChainNames.NodePorts),
        (Nat, ChainNames.Postrouting),
        (Nat, ChainNames.MarkMasq),
    ];

    /// <summary>Built-in chain → jump rule, in the order they should appear at the top of that chain.</summary>
    public static readonly ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps =
    [
        (Filter, "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES"),
        (Filter, "FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD"),
        (Filter, "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"),
        (Filter, "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES"),
        (Filter, "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"),
        (Nat, "PREROUTING", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"),
        (Nat, "OUTPUT", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"),
        (Nat, "POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"),
    ];

    /// <summary>True for chains we own: the base chains above and every generated per-service chain.</summary>
    public static bool IsOwned(string table, string chain) => Owned.Contains((table, chain)) || ChainNames.IsGenerated(chain);
}
