namespace Proxy.Configuration;

/// <summary>nftables mode settings (nftables).</summary>
public sealed class NftablesConfiguration : ISyncPeriods
{
    public bool MasqueradeAll { get; set; }

    public int MasqueradeBit { get; set; } = 14;

    public TimeSpan MinSyncPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromSeconds(30);
}
