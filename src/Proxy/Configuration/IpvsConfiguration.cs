namespace Proxy.Configuration;

/// <summary>IPVS mode settings (ipvs). Upstream gives minSyncPeriod no default here: 0 syncs on every change.</summary>
public sealed class IpvsConfiguration : ISyncPeriods
{
    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MinSyncPeriod { get; set; }

    public string Scheduler { get; set; } = "";

    public List<string> ExcludeCIDRs { get; set; } = [];

    public bool StrictARP { get; set; }

    public TimeSpan TcpTimeout { get; set; }

    public TimeSpan TcpFinTimeout { get; set; }

    public TimeSpan UdpTimeout { get; set; }
}
