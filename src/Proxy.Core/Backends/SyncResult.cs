using System.Collections.Immutable;

namespace Proxy.Core.Backends;

/// <summary>
/// What one sync did: whether it was full, how many service ports it programs, how many of them it rewrote, how many
/// rules it wrote, and how many rules the backend owns afterwards per table (for kubeproxy_sync_proxy_rules_iptables_total).
/// </summary>
public sealed record SyncResult(bool Full, int ServicePorts, int ChangedServicePorts, int RulesWritten)
{
    public ImmutableDictionary<string, int> RulesByTable { get; init; } = ImmutableDictionary<string, int>.Empty;
}
