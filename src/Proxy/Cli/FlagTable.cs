using System.Collections.Immutable;
using Proxy.Backends.Ipvs;
using Proxy.Configuration;
using static Proxy.Cli.FlagValues;

namespace Proxy.Cli;

/// <summary>
/// Every flag of upstream kube-proxy (its Linux command line: options.go, component-base's logging flags, klog's flags
/// and --version), plus --manifests, --dry-run, --once, --sync-period and --min-sync-period of our own: the one table
/// that parsing, --help and the README's flag table are made from. Whether a configuration flag works is not said
/// here but in <see cref="UnsupportedSettings"/>, which judges the field whether a flag or a file set it.
/// </summary>
public static class FlagTable
{
    private const string Bool = "";

    private static FlagDefinition Switch(string name, string defaultText, string help, FlagScope scope, Action<ProxyOptions, bool> set) =>
        new(name, Bool, defaultText, help, scope, (o, v) => FlagValues.Bool(v, b => set(o, b))) { BareValue = "true" };

    public static ImmutableArray<FlagDefinition> All { get; } =
    [
        // What the command does.
        new("config", "FILE", "", "A KubeProxyConfiguration file. Its values replace those of every configuration flag but the logging flags and --hostname-override; when the file changes, the process exits so that it restarts with it.",
            FlagScope.Command, (o, v) => Do(() => o.ConfigFile = v.Length == 0 ? null : v)),
        new("write-config-to", "FILE", "", "Write the effective configuration to FILE and exit.", FlagScope.Command, (o, v) => Do(() => o.WriteConfigTo = v.Length == 0 ? null : v)),
        Switch("cleanup", "false", "Remove every rule, chain, table, ipset and virtual server any mode of this proxy owns, then exit.", FlagScope.Command, (o, b) => o.Cleanup = b),
        Switch("init-only", "false", "Apply the node-level settings the mode needs with full privileges (kernel parameters), then exit: for a privileged init container.", FlagScope.Command, (o, b) => o.InitOnly = b),
        new("master", "URL", "", "The API server's address (overrides the kubeconfig's).", FlagScope.Command,
            (o, v) => v.Length == 0 ? Do(() => o.Master = null)
                : Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? Do(() => o.Master = v) : "not an http(s) URL"),
        Switch("help", "false", "Print this help and exit.", FlagScope.Command, (o, b) => o.Help = b) with { Shorthand = 'h' },
        new("version", "version[=true]", "false", "--version and --version=raw print the version and exit; --version=vX.Y.Z sets the version reported.", FlagScope.Command, SetVersion) { BareValue = "true" },
        new("healthz-port", "PORT", "10256", "Deprecated upstream: the health server's port; 0 turns it off. Use --healthz-bind-address.", FlagScope.Command,
            (o, v) => Int32(v, n => o.HealthzPort = n)) { Deprecated = true },
        new("metrics-port", "PORT", "10249", "Deprecated upstream: the metrics server's port; 0 turns it off. Use --metrics-bind-address.", FlagScope.Command,
            (o, v) => Int32(v, n => o.MetricsPort = n)) { Deprecated = true },
        new("manifests", "DIR", "", "Read Services, EndpointSlices and Nodes from the *.yaml/*.yml files in DIR instead of a cluster, and resync when they change.",
            FlagScope.Command, (o, v) => v.Length > 0 ? Do(() => o.ManifestsDirectory = v) : "needs a value") { Ours = true },
        Switch("dry-run", "false", "Print what would be applied (the exact payloads, and every kernel parameter and netlink change) to stdout and change nothing.", FlagScope.Command, (o, b) => o.DryRun = b) with { Ours = true },
        Switch("once", "false", "Sync once, then exit 0 (or non-zero with the error).", FlagScope.Command, (o, b) => o.Once = b) with { Ours = true },

        // The configuration: with --config, the file's values are used instead.
        new("bind-address", "IP", "0.0.0.0", "This node's primary IP of its family, instead of the Node object's (no socket is bound to it).", FlagScope.Config,
            (o, v) => IP(v, a => o.Config.BindAddress = a)) { Field = "bindAddress" },
        Switch("bind-address-hard-fail", "false", "Exit when the health or metrics server cannot listen, instead of retrying.", FlagScope.Config, (o, b) => o.Config.BindAddressHardFail = b) with { Field = "bindAddressHardFail" },
        new("cluster-cidr", "CIDRS", "", "The pod CIDR(s) of the cluster, one per IP family, comma-separated: traffic from them is local (--detect-local-mode=ClusterCIDR).", FlagScope.Config,
            (o, v) => ConfigurationValidator.ClusterCidrError(v) ?? Do(() => o.Config.ClusterCIDR = v)) { Field = "clusterCIDR" },
        new("config-sync-period", "DURATION", "15m0s", "How often the informers re-list from the API server.", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.ConfigSyncPeriod = d)) { Field = "configSyncPeriod" },
        new("conntrack-max-per-core", "N", "32768", "nf_conntrack_max per CPU (0 leaves the limit alone and ignores --conntrack-min).", FlagScope.Config,
            (o, v) => Int32(v, n => o.Config.Conntrack.MaxPerCore = n)) { Field = "conntrack.maxPerCore" },
        new("conntrack-min", "N", "131072", "The least nf_conntrack_max, whatever --conntrack-max-per-core gives.", FlagScope.Config,
            (o, v) => Int32(v, n => o.Config.Conntrack.Min = n)) { Field = "conntrack.min" },
        Switch("conntrack-tcp-be-liberal", "false", "Set nf_conntrack_tcp_be_liberal=1 (out-of-window TCP packets are not INVALID).", FlagScope.Config, (o, b) => o.Config.Conntrack.TcpBeLiberal = b) with { Field = "conntrack.tcpBeLiberal" },
        new("conntrack-tcp-timeout-close-wait", "DURATION", "1h0m0s", "conntrack timeout of TCP connections in CLOSE_WAIT (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Conntrack.TcpCloseWaitTimeout = d)) { Field = "conntrack.tcpCloseWaitTimeout" },
        new("conntrack-tcp-timeout-established", "DURATION", "24h0m0s", "conntrack timeout of idle established TCP connections (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Conntrack.TcpEstablishedTimeout = d)) { Field = "conntrack.tcpEstablishedTimeout" },
        new("conntrack-udp-timeout", "DURATION", "0s", "conntrack timeout of UNREPLIED UDP flows (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Conntrack.UdpTimeout = d)) { Field = "conntrack.udpTimeout" },
        new("conntrack-udp-timeout-stream", "DURATION", "0s", "conntrack timeout of ASSURED UDP flows (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Conntrack.UdpStreamTimeout = d)) { Field = "conntrack.udpStreamTimeout" },
        new("detect-local-mode", "MODE", "ClusterCIDR", "How traffic from this node's pods is told apart: ClusterCIDR, NodeCIDR, BridgeInterface or InterfaceNamePrefix.", FlagScope.Config,
            (o, v) => Do(() => o.Config.DetectLocalMode = v)) { Field = "detectLocalMode" },
        new("feature-gates", "KEY=BOOL,...", "", "Feature gates, e.g. A=true,B=false. Ignored with --config (the file's featureGates are used).", FlagScope.Config,
            (o, v) => BoolMap(v, m => o.Config.FeatureGates = m)) { Field = "featureGates", Accumulates = true },
        new("healthz-bind-address", "IP:PORT", "0.0.0.0:10256", "Where /healthz and /livez are served (an IP alone gets port 10256; empty: not served).", FlagScope.Config,
            (o, v) => Address(v, ConfigurationDefaults.HealthzPort, a => o.Config.HealthzBindAddress = a)) { Field = "healthzBindAddress" },
        Switch("iptables-localhost-nodeports", "true", "In iptables mode, IPv4 node ports also answer on 127.0.0.1 (sets route_localnet=1).", FlagScope.Config, (o, b) => o.Config.Iptables.LocalhostNodePorts = b) with { Field = "iptables.localhostNodePorts" },
        new("iptables-masquerade-bit", "BIT", "14", "The fwmark bit that marks packets for SNAT in iptables and ipvs mode, in [0, 31].", FlagScope.Config,
            (o, v) => TryParseInteger(v, 32, signed: true, out var bit) && bit is >= 0 and <= 31
                ? Do(() => o.Config.Iptables.MasqueradeBit = (int)bit) : $"\"{v}\" is not an integer in [0, 31]") { Field = "iptables.masqueradeBit" },
        // Each sets the one pair of periods the running mode reads (ProxyOptions.SyncPeriod): as upstream
        // (processV1Alpha1Flags), the --iptables-* ones in every mode but ipvs, the --ipvs-* ones only in ipvs.
        new("iptables-min-sync-period", "DURATION", "1s", "The shortest time between syncs in iptables and nftables mode (ignored in ipvs mode).", FlagScope.Config,
            (o, v) => Duration(v, d => { if (o.ProxyMode != "ipvs") { o.MinSyncPeriod = d; } })) { Field = "iptables.minSyncPeriod", AfterMode = true },
        new("iptables-sync-period", "DURATION", "30s", "The period of the periodic sync in iptables and nftables mode, which checks the kernel for drift (ignored in ipvs mode).", FlagScope.Config,
            (o, v) => PositiveDuration(v, d => { if (o.ProxyMode != "ipvs") { o.SyncPeriod = d; } })) { Field = "iptables.syncPeriod", AfterMode = true },
        new("ipvs-exclude-cidrs", "CIDRS", "", "In ipvs mode, comma-separated CIDRs whose virtual servers are never touched.", FlagScope.Config,
            (o, v) => CidrList(v, list => o.Config.Ipvs.ExcludeCIDRs = list)) { Field = "ipvs.excludeCIDRs", Accumulates = true },
        new("ipvs-min-sync-period", "DURATION", "0s", "The shortest time between syncs in ipvs mode (ignored in the others).", FlagScope.Config,
            (o, v) => Duration(v, d => { if (o.ProxyMode == "ipvs") { o.MinSyncPeriod = d; } })) { Field = "ipvs.minSyncPeriod", AfterMode = true },
        new("ipvs-scheduler", "NAME", "rr", $"The IPVS scheduler in ipvs mode: {string.Join(", ", IpvsOptions.Schedulers)}.", FlagScope.Config,
            (o, v) => v.Length == 0 || IpvsOptions.Schedulers.Contains(v) ? Do(() => o.Config.Ipvs.Scheduler = v) : $"not an IPVS scheduler ({string.Join(", ", IpvsOptions.Schedulers)})") { Field = "ipvs.scheduler" },
        Switch("ipvs-strict-arp", "false", "In ipvs mode, set arp_ignore=1 and arp_announce=2 so the node never answers ARP for service addresses.", FlagScope.Config, (o, b) => o.Config.Ipvs.StrictARP = b) with { Field = "ipvs.strictARP" },
        new("ipvs-sync-period", "DURATION", "30s", "The period of the periodic sync in ipvs mode, which checks the kernel for drift (ignored in the others).", FlagScope.Config,
            (o, v) => PositiveDuration(v, d => { if (o.ProxyMode == "ipvs") { o.SyncPeriod = d; } })) { Field = "ipvs.syncPeriod", AfterMode = true },
        new("ipvs-tcp-timeout", "DURATION", "0s", "IPVS timeout of idle TCP connections (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Ipvs.TcpTimeout = d)) { Field = "ipvs.tcpTimeout" },
        new("ipvs-tcpfin-timeout", "DURATION", "0s", "IPVS timeout of TCP connections after a FIN (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Ipvs.TcpFinTimeout = d)) { Field = "ipvs.tcpFinTimeout" },
        new("ipvs-udp-timeout", "DURATION", "0s", "IPVS timeout of UDP flows (0 leaves it alone).", FlagScope.Config,
            (o, v) => Duration(v, d => o.Config.Ipvs.UdpTimeout = d)) { Field = "ipvs.udpTimeout" },
        new("kube-api-burst", "N", "10", "Burst of requests to the API server.", FlagScope.Config,
            (o, v) => Int32(v, n => o.Config.ClientConnection.Burst = n)) { Field = "clientConnection.burst" },
        new("kube-api-content-type", "TYPE", "application/vnd.kubernetes.protobuf", "Content type of requests to the API server.", FlagScope.Config,
            (o, v) => Do(() => o.Config.ClientConnection.ContentType = v)) { Field = "clientConnection.contentType" },
        new("kube-api-qps", "QPS", "5", "Requests per second to the API server.", FlagScope.Config,
            (o, v) => Float(v, q => o.Config.ClientConnection.Qps = q)) { Field = "clientConnection.qps" },
        new("kubeconfig", "PATH", "", "A kubeconfig for the API server (default: the in-cluster service account).", FlagScope.Config,
            (o, v) => Do(() => o.Config.ClientConnection.Kubeconfig = v)) { Field = "clientConnection.kubeconfig" },
        Switch("masquerade-all", "false", "Masquerade all traffic sent to service cluster IPs.", FlagScope.Config,
            (o, b) => { o.Config.Iptables.MasqueradeAll = b; o.Config.Nftables.MasqueradeAll = b; }) with { Field = "iptables.masqueradeAll" },
        new("metrics-bind-address", "IP:PORT", "127.0.0.1:10249", "Where /metrics, /healthz (plain), /proxyMode, /configz and /flagz are served (an IP alone gets port 10249; empty: not served).", FlagScope.Config,
            (o, v) => Address(v, ConfigurationDefaults.MetricsPort, a => o.Config.MetricsBindAddress = a)) { Field = "metricsBindAddress" },
        new("nodeport-addresses", "CIDRS", "", "Where node ports answer: addresses in these comma-separated CIDRs, or \"primary\" (the Node's primary IPs); default: every local address (nftables mode: primary).", FlagScope.Config,
            (o, v) => Do(() => o.Config.NodePortAddresses = List(v))) { Field = "nodePortAddresses", Accumulates = true },
        new("oom-score-adj", "N", "-999", "The process's oom_score_adj, in [-1000, 1000].", FlagScope.Config,
            (o, v) => Int32(v, n => o.Config.OomScoreAdj = n)) { Field = "oomScoreAdj" },
        new("pod-bridge-interface", "NAME", "", "With --detect-local-mode=BridgeInterface: traffic from this bridge is local.", FlagScope.Config,
            (o, v) => Do(() => o.Config.DetectLocal.BridgeInterface = v)) { Field = "detectLocal.bridgeInterface" },
        new("pod-interface-name-prefix", "PREFIX", "", "With --detect-local-mode=InterfaceNamePrefix: traffic from interfaces whose name starts so is local.", FlagScope.Config,
            (o, v) => Do(() => o.Config.DetectLocal.InterfaceNamePrefix = v)) { Field = "detectLocal.interfaceNamePrefix" },
        Switch("profiling", "false", "Serve /debug/pprof on the metrics address.", FlagScope.Config, (o, b) => o.Config.EnableProfiling = b) with { Field = "enableProfiling" },
        new("proxy-mode", "MODE", "iptables", $"The proxy mode: {string.Join(", ", BackendFactory.Modes)}.", FlagScope.Config,
            (o, v) => v.Length == 0 || BackendFactory.Modes.Contains(v) ? Do(() => o.Config.Mode = v) : $"unsupported proxy mode \"{v}\" (supported: {string.Join(", ", BackendFactory.Modes)})") { Field = "mode" },
        new("show-hidden-metrics-for-version", "X.Y", "", "Show the metrics hidden since the previous minor version X.Y.", FlagScope.Config,
            (o, v) => Do(() => o.Config.ShowHiddenMetricsForVersion = v)) { Field = "showHiddenMetricsForVersion" },
        // Ours: one pair for whichever mode is in use.
        new("sync-period", "DURATION", "30s", "The period of the periodic sync, in whichever mode is in use: it checks the kernel for drift (and is a full sync when it finds some, or when the last full sync is an hour old). Must be greater than 0.", FlagScope.Config,
            (o, v) => PositiveDuration(v, d => o.SyncPeriod = d)) { AfterMode = true, Ours = true },
        new("min-sync-period", "DURATION", "1s (ipvs: 0s)", "The shortest time between syncs, in whichever mode is in use: changes within it are coalesced.", FlagScope.Config,
            (o, v) => Duration(v, d => o.MinSyncPeriod = d)) { AfterMode = true, Ours = true },

        // Set even over --config, as upstream.
        new("hostname-override", "NAME", "", "This node's name (default: the host name), lowercased; it decides which endpoints are local.", FlagScope.OverridesConfig,
            (o, v) => v.Length > 0 && v.Trim().Length == 0 ? "empty hostname-override is invalid" : Do(() => o.Config.HostnameOverride = v.Trim().ToLowerInvariant())) { Field = "hostnameOverride" },
        new("v", "N", "0", "Log verbosity: 0 information, 2 and up debug, 5 and up trace.", FlagScope.OverridesConfig,
            (o, v) => TryParseInteger(v, 32, signed: false, out var n) ? Do(() => o.Config.Logging.Verbosity = (int)n) : $"\"{v}\" is not a non-negative integer") { Field = "logging.verbosity", Shorthand = 'v' },
        new("vmodule", "PATTERN=N,...", "", "Per-file verbosity (text format only).", FlagScope.OverridesConfig,
            (o, v) => VModule(v, items => o.Config.Logging.Vmodule = items)) { Field = "logging.vmodule" },
        new("log-flush-frequency", "DURATION", "5s", "The longest time between log flushes (logs are written unbuffered here).", FlagScope.OverridesConfig,
            (o, v) => Duration(v, d => o.Config.Logging.FlushFrequency = d)) { Field = "logging.flushFrequency" },
        new("logging-format", "FORMAT", "text", "Log format: text or json.", FlagScope.OverridesConfig,
            (o, v) => v is "text" or "json" ? Do(() => o.Config.Logging.Format = v) : "not text or json") { Field = "logging.format" },
        Switch("log-text-split-stream", "false", "Alpha upstream: in text format, info messages to stdout and errors to stderr.", FlagScope.OverridesConfig,
            (o, b) => o.Config.Logging.Options.Text.SplitStream = b) with { Field = "logging.options.text.splitStream" },
        new("log-text-info-buffer-size", "QUANTITY", "0", "Alpha upstream: with split streams, how much info output may be buffered.", FlagScope.OverridesConfig,
            (o, v) => Do(() => o.Config.Logging.Options.Text.InfoBufferSize = v)) { Field = "logging.options.text.infoBufferSize" },

        // klog's flags. Upstream's defaults log to stderr only, where every file flag below has no effect; so here.
        Klog("add_dir_header", Bool, "false", "Add the source file's directory to each log line's header.", v => FlagValues.Bool(v, _ => { }),
            ("log lines name no source file", v => TryParseBool(v, out var b) && b)),
        Klog("alsologtostderr", Bool, "false", "Log to stderr as well as to files (logs always go to stderr here).", v => FlagValues.Bool(v, _ => { }), null),
        Klog("log_backtrace_at", "FILE:N", ":0", "Log a stack trace when logging reaches FILE:N.", Backtrace,
            ("no stack traces are logged", v => v is not ("" or ":0"))),
        Klog("log_dir", "DIR", "", "Write log files in DIR (no effect while --logtostderr is true).", _ => null, null),
        Klog("log_file", "FILE", "", "Write logs to FILE (no effect while --logtostderr is true).", _ => null, null),
        Klog("log_file_max_size", "MB", "1800", "The largest a log file grows, in megabytes (no effect while --logtostderr is true).",
            v => TryParseInteger(v, 64, signed: false, out _) ? null : $"\"{v}\" is not a non-negative integer", null),
        Klog("logtostderr", Bool, "true", "Log to stderr instead of files.", v => FlagValues.Bool(v, _ => { }),
            ("logs go to stderr, never to --log_dir or --log_file", v => TryParseBool(v, out var b) && !b)),
        Klog("one_output", Bool, "false", "Write each message to its own severity's log file only (no effect while --logtostderr is true).", v => FlagValues.Bool(v, _ => { }), null),
        Klog("skip_headers", Bool, "false", "Leave the header out of log lines.", v => FlagValues.Bool(v, _ => { }),
            ("log lines keep their timestamp and level", v => TryParseBool(v, out var b) && b)),
        Klog("skip_log_headers", Bool, "false", "Leave headers out of new log files (no effect while --logtostderr is true).", v => FlagValues.Bool(v, _ => { }), null),
        Klog("stderrthreshold", "SEVERITY", "2", "With log files, the least severity also written to stderr (no effect while --logtostderr is true).", Severity, null),
    ];

    /// <summary>The names --help shows in its last line: accepted spellings that are not upstream's.</summary>
    public static readonly ImmutableDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["log-format"] = "logging-format",
    }.ToImmutableDictionary();

    private static FlagDefinition Klog(string name, string valueName, string defaultText, string help, Func<string, string?> check, (string, Func<string, bool>)? missing) =>
        new(name, valueName, defaultText, help, FlagScope.Klog, (_, v) => check(v)) { BareValue = valueName.Length == 0 ? "true" : null, Missing = missing };

    private static string? SetVersion(ProxyOptions options, string value)
    {
        if (value == "raw" || (TryParseBool(value, out var print) && print))
        {
            options.PrintVersion = value == "raw" ? "raw" : "true";
        }
        else if (value.StartsWith('v') && value.Length > 1)
        {
            options.VersionOverride = value;
        }
        else if (!TryParseBool(value, out _))
        {
            return $"\"{value}\" is not true, false, raw or vX.Y.Z";
        }
        return null;
    }
}
