namespace Proxy.Configuration;

/// <summary>
/// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, with upstream's field names and defaults (each property
/// starts at the value upstream's SetDefaults_KubeProxyConfiguration gives an unset field; see
/// <see cref="ConfigurationDefaults"/> for the fields where upstream also treats zero as unset). Fields this proxy
/// does not act on are accepted, kept and written back, so existing config files load unchanged; the ones an
/// operator would miss are listed in <see cref="UnsupportedSettings"/>. Mutable only while being loaded and
/// overridden by flags; the daemon treats it as read-only.
/// </summary>
public sealed class KubeProxyConfiguration
{
    public const string ApiVersionValue = "kubeproxy.config.k8s.io/v1alpha1";
    public const string KindValue = "KubeProxyConfiguration";

    public string ApiVersion { get; set; } = ApiVersionValue;

    public string Kind { get; set; } = KindValue;

    public string BindAddress { get; set; } = "0.0.0.0";

    public string HealthzBindAddress { get; set; } = "0.0.0.0:10256";

    public string MetricsBindAddress { get; set; } = "127.0.0.1:10249";

    public bool BindAddressHardFail { get; set; }

    public bool EnableProfiling { get; set; }

    public string ClusterCIDR { get; set; } = "";

    public string HostnameOverride { get; set; } = "";

    public ClientConnectionConfiguration ClientConnection { get; set; } = new();

    public Dictionary<string, bool> FeatureGates { get; set; } = [];

    public IptablesConfiguration Iptables { get; set; } = new();

    public IpvsConfiguration Ipvs { get; set; } = new();

    public NftablesConfiguration Nftables { get; set; } = new();

    public ConntrackConfiguration Conntrack { get; set; } = new();

    /// <summary>"" means the platform default: iptables.</summary>
    public string Mode { get; set; } = "";

    public List<string> NodePortAddresses { get; set; } = [];

    public int OomScoreAdj { get; set; } = -999;

    public TimeSpan ConfigSyncPeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Unused upstream since the userspace proxy went, but still validated.</summary>
    public string PortRange { get; set; } = "";

    /// <summary>"" means ClusterCIDR.</summary>
    public string DetectLocalMode { get; set; } = "";

    public DetectLocalConfiguration DetectLocal { get; set; } = new();

    public string ShowHiddenMetricsForVersion { get; set; } = "";

    public LoggingConfiguration Logging { get; set; } = new();

    public WinkernelConfiguration Winkernel { get; set; } = new();

    public bool WindowsRunAsService { get; set; }
}
