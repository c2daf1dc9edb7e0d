namespace Proxy.Configuration;

/// <summary>iptables mode settings (iptables).</summary>
public sealed class IptablesConfiguration
{
    public bool MasqueradeAll { get; set; }

    public int MasqueradeBit { get; set; } = 14;

    public TimeSpan MinSyncPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromSeconds(30);

    public bool LocalhostNodePorts { get; set; } = true;
}
