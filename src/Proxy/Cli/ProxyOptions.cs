using System.Collections.Immutable;
using System.Net;
using Proxy.Configuration;
using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.Cli;

/// <summary>
/// Everything the command was told: the KubeProxyConfiguration (from --config, then overridden by flags) plus the
/// command-line-only switches. The derived properties are the one place that reads the
/// configuration for the selected mode.
/// </summary>
public sealed class ProxyOptions
{
    public KubeProxyConfiguration Config { get; set; } = new();

    /// <summary>What reading --config leniently ignored (upstream's fallback from strict decoding), to log at start.</summary>
    public List<string> ConfigWarnings { get; } = [];

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

    /// <summary>The settings that shape the model, read from the configuration for the mode in use.</summary>
    public ReconcileOptions ReconcileOptions => new(MasqueradeAll, ClusterCidrs)
    {
        DetectLocalMode = Config.DetectLocalMode.Length == 0 ? DetectLocalMode.ClusterCIDR : Enum.Parse<DetectLocalMode>(Config.DetectLocalMode),
        BridgeInterface = Config.DetectLocal.BridgeInterface,
        InterfaceNamePrefix = Config.DetectLocal.InterfaceNamePrefix,
        NodePortPrimary = Config.NodePortAddresses is [NodePortAddressesPrimary],
        NodePortCidrs = Config.NodePortAddresses.Where(a => a != NodePortAddressesPrimary).Select(IPNetwork.Parse).ToEquatableArray(),
        // Only iptables mode has localhost node ports (upstream's iptables.localhostNodePorts).
        LocalhostNodePorts = ProxyMode == "iptables" && Config.Iptables.LocalhostNodePorts,
    };

    /// <summary>--bind-address, when it names an address: it is this node's primary IP of its family.</summary>
    public IPAddress? BindAddress => IPAddress.TryParse(Config.BindAddress, out var address) ? address : null;

    /// <summary>The --nodeport-addresses value that means the node's primary IPs.</summary>
    public const string NodePortAddressesPrimary = "primary";

    /// <summary>
    /// The sync periods of the mode in use, read from and written to that mode's section: upstream's internal
    /// configuration has one top-level pair, converted from the v1alpha1 section of the mode (iptables for "").
    /// Flags set them through these setters, so a sync-period flag always lands where the running mode reads it.
    /// </summary>
    public TimeSpan MinSyncPeriod
    {
        get => SyncSection.MinSyncPeriod;
        set => SyncSection.MinSyncPeriod = value;
    }

    /// <inheritdoc cref="MinSyncPeriod"/>
    public TimeSpan SyncPeriod
    {
        get => SyncSection.SyncPeriod;
        set => SyncSection.SyncPeriod = value;
    }

    public int Verbosity => Config.Logging.Verbosity;

    private ISyncPeriods SyncSection => ProxyMode switch
    {
        "nftables" => Config.Nftables,
        "ipvs" => Config.Ipvs,
        _ => Config.Iptables,
    };
}
