namespace Proxy.Configuration;

/// <summary>iptables mode settings (iptables); the masquerade bit also serves ipvs mode, as upstream.</summary>
public sealed class IptablesConfiguration : ISyncPeriods
{
    public bool MasqueradeAll { get; set; }

    public int MasqueradeBit { get; set; } = 14;

    public TimeSpan MinSyncPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromSeconds(30);

    public bool LocalhostNodePorts { get; set; } = true;

    /// <summary>Newer upstream: SNAT service traffic to the node's InternalIP.</summary>
    public bool SnatNodeInternalIP { get; set; }
}
