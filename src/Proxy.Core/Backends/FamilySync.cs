using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// What one sync did in one IP family: whether that family's sync was full (each family decides for itself, as each
/// of upstream's per-family proxiers does), how many rules the backend owns in it afterwards per iptables table (for
/// kubeproxy_sync_proxy_rules_iptables_total; empty in nftables mode), and how many it wrote per table in this sync
/// (for kubeproxy_sync_proxy_rules_iptables_last).
/// </summary>
public sealed record FamilySync(IpFamily Family, bool Full)
{
    public EquatableDictionary<string, int> RulesByTable { get; init; } = EquatableDictionary<string, int>.Empty;

    public EquatableDictionary<string, int> RulesWrittenByTable { get; init; } = EquatableDictionary<string, int>.Empty;

    /// <summary>Service ports of this family the kernel tool refused, left out so that the others are programmed.</summary>
    public EquatableArray<RefusedServicePort> Refused { get; init; } = EquatableArray<RefusedServicePort>.Empty;

    /// <summary>
    /// This sync found rules it had applied before missing or changed in the kernel (someone flushed or deleted them)
    /// and wrote them back.
    /// </summary>
    public bool RepairedDrift { get; init; }
}
