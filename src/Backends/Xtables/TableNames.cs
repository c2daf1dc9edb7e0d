using System.Collections.Immutable;

namespace Proxy.Backends.Xtables;

/// <summary>
/// The iptables tables kube-proxy writes service rules in, in the order upstream writes them in a payload (the ones
/// kubeproxy_sync_proxy_rules_iptables_* count); and mangle, where upstream's iptables mode keeps only a canary chain.
/// </summary>
public static class TableNames
{
    public const string Filter = "filter";
    public const string Nat = "nat";
    public const string Mangle = "mangle";

    public static readonly ImmutableArray<string> All = [Filter, Nat];
}
