using System.Collections.Immutable;
using System.Net;
using Proxy.Configuration;
using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.Cli;

/// <summary>
/// Everything the command was told: the KubeProxyConfiguration (from --config, or else from the flags) plus the
/// command-line-only switches and what the user gave explicitly. The derived properties are the one place that reads the
/// configuration for the selected mode.
/// </summary>
public sealed class ProxyOptions
{
    public KubeProxyConfiguration Config { get; set; } = new();

    /// <summary>What reading --config leniently ignored (upstream's fallback from strict decoding), to log at start.</summary>
    public List<string> ConfigWarnings { get; } = [];

    public string? ConfigFile { get; set; }

    /// <summary>The --config file's text as it was read: a change to it makes the daemon exit to restart with it.</summary>
    public string? ConfigText { get; set; }

    public string? WriteConfigTo { get; set; }

    public string? ManifestsDirectory { get; set; }

    public string? Master { get; set; }

    public bool Cleanup { get; set; }

    public bool DryRun { get; set; }

    public bool Once { get; set; }

    public bool Help { get; set; }

    /// <summary>--init-only: apply the node-level settings of the mode, then exit.</summary>
    public bool InitOnly { get; set; }

    /// <summary>--version: null (not asked), "true" (print and exit) or "raw" (print every detail and exit).</summary>
    public string? PrintVersion { get; set; }

    /// <summary>--version=vX.Y.Z: the version to report instead of the build's (upstream's verflag override).</summary>
    public string? VersionOverride { get; set; }

    /// <summary>--healthz-port and --metrics-port, deprecated upstream: 0 turns that server off.</summary>
    public int HealthzPort { get; set; } = ConfigurationDefaults.HealthzPort;

    /// <inheritdoc cref="HealthzPort"/>
    public int MetricsPort { get; set; } = ConfigurationDefaults.MetricsPort;

    /// <summary>
    /// The v1alpha1 fields the user gave a value, by a flag or in the --config file (e.g. <c>conntrack.maxPerCore</c>,
    /// with <c>conntrack</c> for the section): only these can make a "not implemented yet" warning.
    /// </summary>
    public HashSet<string> GivenFields { get; } = new(StringComparer.Ordinal);

    /// <summary>Every flag given, by its upstream name, with the value it had last: what /flagz shows besides the defaults.</summary>
    public Dictionary<string, string> GivenFlags { get; } = new(StringComparer.Ordinal);

    /// <summary>Configuration flags given with --config, which the file replaces as upstream (each is named in one warning).</summary>
    public List<string> IgnoredFlags { get; } = [];

    /// <summary>The mode in effect: an empty mode means iptables, as upstream on Linux.</summary>
    public string ProxyMode => Config.Mode.Length == 0 ? "iptables" : Config.Mode;

    public string? Kubeconfig => Config.ClientConnection.Kubeconfig.Length == 0 ? null : Config.ClientConnection.Kubeconfig;

    public string? HostnameOverride => Config.HostnameOverride.Length == 0 ? null : Config.HostnameOverride;

    /// <summary>Whether the user gave <paramref name="field"/>, or a field inside it when it is a section.</summary>
    public bool IsGiven(string field) => GivenFields.Any(g => g == field || g.StartsWith(field + ".", StringComparison.Ordinal));

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
        // An nftables-mode node with no nodePortAddresses serves node ports on its primary IPs only (upstream's
        // platformApplyDefaults since 1.31): nftables mode never had the all-addresses behaviour to stay compatible with.
        NodePortPrimary = Config.NodePortAddresses is [NodePortAddressesPrimary] || (ProxyMode == "nftables" && Config.NodePortAddresses.Count == 0),
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
