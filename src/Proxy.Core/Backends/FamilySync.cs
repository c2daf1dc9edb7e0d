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
}
