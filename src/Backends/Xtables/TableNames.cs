using System.Collections.Immutable;

namespace Proxy.Backends.Xtables;

/// <summary>The iptables tables kube-proxy writes, in the order upstream writes them in a payload.</summary>
public static class TableNames
{
    public const string Filter = "filter";
    public const string Nat = "nat";

    public static readonly ImmutableArray<string> All = [Filter, Nat];
}
