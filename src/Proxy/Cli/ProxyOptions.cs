using System.Collections.Immutable;
using System.Net;
using Proxy.Configuration;

namespace Proxy.Cli;

/// <summary>
/// Everything the command was told: the KubeProxyConfiguration (from --config, then overridden by flags, as
/// upstream) plus the command-line-only switches. The derived properties are the one place that reads the
/// configuration for the selected mode.
/// </summary>
public sealed class ProxyOptions
{
    public KubeProxyConfiguration Config { get; set; } = new();

    public string? ConfigFile { get; set; }

    public string? WriteConfigTo { get; set; }

    public string? ManifestsDirectory { get; set; }

    public string? Master { get; set; }

    public bool Cleanup { get; set; }

    public bool DryRun { get; set; }

    public bool Once { get; set; }

    public bool Help { get; set; }

    /// <summary>The mode in effect: an empty mode means iptables, as upstream on Linux.</summary>
    public string ProxyMode => Config.Mode.Length == 0 ? "iptables" : Config.Mode;

    public string? Kubeconfig => Config.ClientConnection.Kubeconfig.Length == 0 ? null : Config.ClientConnection.Kubeconfig;

    public string? HostnameOverride => Config.HostnameOverride.Length == 0 ? null : Config.HostnameOverride;

    public ImmutableArray<IPNetwork> ClusterCidrs =>
        [.. Config.ClusterCIDR.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(IPNetwork.Parse)];

    public bool MasqueradeAll => ProxyMode == "nftables" ? Config.Nftables.MasqueradeAll : Config.Iptables.MasqueradeAll;

    public int MasqueradeBit => ProxyMode == "nftables" ? Config.Nftables.MasqueradeBit : Config.Iptables.MasqueradeBit;

    public TimeSpan MinSyncPeriod => ProxyMode switch
    {
        "nftables" => Config.Nftables.MinSyncPeriod,
        "ipvs" => Config.Ipvs.MinSyncPeriod,
        _ => Config.Iptables.MinSyncPeriod,
    };

    public TimeSpan SyncPeriod => ProxyMode switch
    {
        "nftables" => Config.Nftables.SyncPeriod,
        "ipvs" => Config.Ipvs.SyncPeriod,
        _ => Config.Iptables.SyncPeriod,
    };

    public int Verbosity => Config.Logging.Verbosity;
}
