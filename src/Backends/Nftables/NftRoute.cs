using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Where a destination's traffic goes: one endpoint set, with one masquerade rule. Shared route chains and the chains of
/// services with session affinity are named by its <see cref="Label"/>, e.g. <c>cluster-masq-offcluster</c>.
/// </summary>
public readonly record struct NftRoute(EndpointSetKind Set, MasqueradeRule Masquerade)
{
    /// <summary>
    /// The route of <paramref name="route"/> on a node with (or without) a local-traffic detector: off-cluster
    /// masquerading needs one to tell what is off-cluster, and without it masquerades nothing, as in iptables mode.
    /// </summary>
    public static NftRoute Of(TrafficRoute route, bool hasDetector) =>
        new(route.Endpoints, route.Masquerade == MasqueradeRule.OffCluster && !hasDetector ? MasqueradeRule.None : route.Masquerade);

    public string Label => NftNames.Set(Set) + Masquerade switch
    {
        MasqueradeRule.All => "-masq",
        MasqueradeRule.OffCluster => "-masq-offcluster",
        _ => "",
    };
}
