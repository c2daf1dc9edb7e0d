using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Proxy.Backends.Ipvs;
using Proxy.Configuration;
using Proxy.Input;

namespace Proxy.Cli;

/// <summary>
/// The flag table (upstream kube-proxy names, plus --manifests, --dry-run and --once of our own) and the parser.
/// Accepts <c>--flag value</c>, <c>--flag=value</c>, and for booleans <c>--flag</c> or <c>--flag=false</c>.
/// With --config, the file is read first and every flag given overrides it. (Upstream's options.go lets only
/// --hostname-override and the logging flags override a --config file and ignores the rest; overriding all of them
/// is a deliberate difference, so that a DaemonSet's args can adjust a shared ConfigMap.)
/// </summary>
public static class Flags
{
    public static ImmutableArray<FlagDefinition> All { get; } =
    [
        new("config", "FILE", "", "A KubeProxyConfiguration file; flags given on the command line override it.", (o, v) => Set(v, () => o.ConfigFile = v)),
        new("write-config-to", "FILE", "", "Write the effective configuration (file + flags + defaults) to FILE and exit.", (o, v) => Set(v, () => o.WriteConfigTo = v)),
        new("proxy-mode", "MODE", "iptables", $"Which proxy mode to use: {string.Join(", ", BackendFactory.Modes)}.",
            (o, v) => BackendFactory.Modes.Contains(v) ? Do(() => o.Config.Mode = v) : $"unsupported proxy mode \"{v}\" (supported: {string.Join(", ", BackendFactory.Modes)})"),
        new("manifests", "DIR", "", "Read Services and EndpointSlices from the *.yaml/*.yml files in DIR instead of a cluster, and resync when they change.", (o, v) => Set(v, () => o.ManifestsDirectory = v)),
        new("kubeconfig", "PATH", "", "Path to a kubeconfig file for the API server (default: in-cluster config when running in a pod).", (o, v) => Set(v, () => o.Config.ClientConnection.Kubeconfig = v)),
        new("master", "URL", "", "The address of the API server (overrides the one in --kubeconfig).",
            (o, v) => Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? Do(() => o.Master = v) : "not an http(s) URL"),
        new("hostname-override", "NAME", "", "The name of this node, which decides which endpoints are local (default: the host name).", (o, v) => Do(() => o.Config.HostnameOverride = v)),
        new("cluster-cidr", "CIDRS", "", "The pod CIDR(s) of the cluster, comma-separated, at most one per IP family. Traffic to a cluster IP from outside them is masqueraded.",
            (o, v) => ConfigurationValidator.ClusterCidrError(v) ?? Do(() => o.Config.ClusterCIDR = v)),
        new("masquerade-all", null, "false", "Masquerade all traffic sent to service cluster IPs.",
            (o, v) => Bool(v, b => { o.Config.Iptables.MasqueradeAll = b; o.Config.Nftables.MasqueradeAll = b; })),
        new("iptables-masquerade-bit", "BIT", "14", "The bit of the fwmark space that marks packets needing SNAT, in [0, 31].",
            (o, v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var bit) && bit <= 31
                ? Do(() => o.Config.Iptables.MasqueradeBit = bit) : $"\"{v}\" is not an integer in [0, 31]"),
        // Each sets the one pair of periods the running mode reads (ProxyOptions.SyncPeriod). --sync-period and
        // --min-sync-period are ours, for every mode; as upstream (cmd/kube-proxy/app/options.go,
        // processV1Alpha1Flags), the --iptables-* ones apply in every mode but ipvs and the --ipvs-* ones only in ipvs.
        new("sync-period", "DURATION", "30s", "The longest time between two syncs, in whichever mode is in use: rules are rewritten at least this often. Must be greater than 0.",
            (o, v) => PositiveDuration(v, d => o.SyncPeriod = d), AfterMode: true),
        new("min-sync-period", "DURATION", "1s; 0s in ipvs mode", "The shortest time between two syncs, in whichever mode is in use: events within it are coalesced (e.g. 1s, 500ms, 2m).",
            (o, v) => Duration(v, d => o.MinSyncPeriod = d), AfterMode: true),
        new("iptables-min-sync-period", "DURATION", "1s", "--min-sync-period for iptables and nftables mode (ignored in ipvs mode, as upstream).",
            (o, v) => Duration(v, d => { if (o.ProxyMode != "ipvs") { o.MinSyncPeriod = d; } }), AfterMode: true),
        new("iptables-sync-period", "DURATION", "30s", "--sync-period for iptables and nftables mode (ignored in ipvs mode, as upstream).",
            (o, v) => PositiveDuration(v, d => { if (o.ProxyMode != "ipvs") { o.SyncPeriod = d; } }), AfterMode: true),
        new("ipvs-scheduler", "NAME", "rr", $"The IPVS scheduler in ipvs mode: {string.Join(", ", IpvsOptions.Schedulers)}.",
            (o, v) => IpvsOptions.Schedulers.Contains(v) ? Do(() => o.Config.Ipvs.Scheduler = v) : $"not an IPVS scheduler ({string.Join(", ", IpvsOptions.Schedulers)})"),
        new("ipvs-strict-arp", null, "false", "In ipvs mode, set arp_ignore=1 and arp_announce=2 so the node never answers ARP for service addresses.",
            (o, v) => Bool(v, b => o.Config.Ipvs.StrictARP = b)),
        new("ipvs-exclude-cidrs", "CIDRS", "", "In ipvs mode, comma-separated CIDRs whose virtual servers are never deleted.",
            (o, v) => CidrList(v, list => o.Config.Ipvs.ExcludeCIDRs = list)),
        new("ipvs-min-sync-period", "DURATION", "0s", "--min-sync-period for ipvs mode (ignored in the other modes, as upstream).",
            (o, v) => Duration(v, d => { if (o.ProxyMode == "ipvs") { o.MinSyncPeriod = d; } }), AfterMode: true),
        new("ipvs-sync-period", "DURATION", "30s", "--sync-period for ipvs mode (ignored in the other modes, as upstream).",
            (o, v) => PositiveDuration(v, d => { if (o.ProxyMode == "ipvs") { o.SyncPeriod = d; } }), AfterMode: true),
        new("healthz-bind-address", "IP:PORT", "0.0.0.0:10256", "Where /healthz and /livez are served (an IP alone gets port 10256; empty: not served).",
            (o, v) => Address(v, ConfigurationDefaults.HealthzPort, a => o.Config.HealthzBindAddress = a)),
        new("metrics-bind-address", "IP:PORT", "127.0.0.1:10249", "Where /metrics, /proxyMode and /configz are served (an IP alone gets port 10249; empty: not served; 0.0.0.0:10249 exposes them).",
            (o, v) => Address(v, ConfigurationDefaults.MetricsPort, a => o.Config.MetricsBindAddress = a)),
        new("cleanup", null, "false", "Remove every rule and chain this proxy owns, then exit.", (o, v) => Bool(v, b => o.Cleanup = b)),
        new("dry-run", null, "false", "Print the exact rules payload that would be applied to stdout and change nothing.", (o, v) => Bool(v, b => o.DryRun = b)),
        new("once", null, "false", "Sync once, then exit 0 (or non-zero with the error).", (o, v) => Bool(v, b => o.Once = b)),
        new("logging-format", "FORMAT", "text", "Log format: text or json.", (o, v) => v is "text" or "json" ? Do(() => o.Config.Logging.Format = v) : "not text or json"),
        new("v", "LEVEL", "0", "Log verbosity: 0 information, 2 and up debug, 5 and up trace.",
            (o, v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Do(() => o.Config.Logging.Verbosity = n) : $"\"{v}\" is not a non-negative integer"),
        new("help", null, "false", "Print this help and exit.", (o, v) => Bool(v, b => o.Help = b)),
    ];

    /// <summary>Alternative spellings: the usual short forms.</summary>
    private static readonly ImmutableDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["log-format"] = "logging-format",
        ["h"] = "help",
    }.ToImmutableDictionary();

    private const string DurationError = "not a duration such as 1s, 500ms or 2m";

    /// <summary>Parses <paramref name="args"/>; on failure returns the reason (one line for a flag, one line per problem in a --config file).</summary>
    public static (ProxyOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var parsed = Tokenize(args, out var error);
        if (parsed is null)
        {
            return (null, error);
        }
        var options = new ProxyOptions();
        var configFlags = parsed.Where(p => p.Flag.Name == "config").ToList();
        if (configFlags.Count > 0)
        {
            var config = configFlags[^1];
            // Only a regular file, within a size limit: a FIFO or /dev/zero must not hang the start.
            if (BoundedFile.ReadText(config.Value, out var unreadable) is not { } text)
            {
                return (null, $"--config {unreadable}");
            }
            var (loaded, errors) = ConfigurationReader.Read(config.Value, text, options.ConfigWarnings);
            if (loaded is null)
            {
                return (null, $"invalid configuration ({errors.Count} problems):\n  " + string.Join("\n  ", errors));
            }
            options.Config = loaded;
        }
        // OrderBy is stable: the mode-dependent flags keep their command-line order among themselves.
        foreach (var (flag, value) in parsed.OrderBy(p => p.Flag.AfterMode))
        {
            if (flag.Apply(options, value) is { } problem)
            {
                return (null, $"invalid value \"{value}\" for --{flag.Name}: {problem}");
            }
        }
        // Each flag checked its own value; what only the whole can tell (minSyncPeriod above syncPeriod, say) is checked here.
        var invalid = ConfigurationValidator.Validate(options.Config);
        if (invalid.Count > 0)
        {
            return (null, $"invalid configuration with the flags given ({invalid.Count} problems):\n  " + string.Join("\n  ", invalid));
        }
        return (options, null);
    }

    /// <summary>The --help text: usage, then every flag with its default.</summary>
    public static string HelpText()
    {
        var lines = new List<string> { "kube-proxy-sharp: a drop-in replacement for kube-proxy.", "", "Usage: kube-proxy-sharp [flags]", "", "Flags:" };
        foreach (var flag in All)
        {
            var head = flag.IsBoolean ? $"  --{flag.Name}" : $"  --{flag.Name} {flag.ValueName}";
            lines.Add($"{head,-40} {flag.Help} (default {(flag.DefaultText.Length == 0 ? "\"\"" : flag.DefaultText)})");
        }
        lines.Add("");
        lines.Add("Also accepted: --log-format, -h.");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>Splits the command line into (flag, value) pairs, in order; null with a one-line reason on a bad one.</summary>
    private static List<(FlagDefinition Flag, string Value)>? Tokenize(IReadOnlyList<string> args, out string? error)
    {
        var result = new List<(FlagDefinition, string)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg is "-" or "--")
            {
                error = $"unexpected argument \"{arg}\" (flags start with --; see --help)";
                return null;
            }
            var body = arg.TrimStart('-');
            string? value = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = body[(eq + 1)..];
                body = body[..eq];
            }
            var flag = All.FirstOrDefault(f => f.Name == Aliases.GetValueOrDefault(body, body));
            if (flag is null)
            {
                error = $"unknown flag: {arg.Split('=')[0]} (see --help)";
                return null;
            }
            if (value is null)
            {
                if (flag.IsBoolean)
                {
                    value = "true";
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    error = $"flag needs an argument: --{flag.Name}";
                    return null;
                }
            }
            result.Add((flag, value));
        }
        error = null;
        return result;
    }

    private static string? Do(Action action)
    {
        action();
        return null;
    }

    private static string? Set(string value, Action action) => value.Length > 0 ? Do(action) : "needs a value";

    private static string? Bool(string value, Action<bool> set) => value switch
    {
        "true" or "1" or "t" or "T" or "TRUE" or "True" => Do(() => set(true)),
        "false" or "0" or "f" or "F" or "FALSE" or "False" => Do(() => set(false)),
        _ => "not a boolean (true or false)",
    };

    private static string? CidrList(string value, Action<List<string>> set)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return parts.FirstOrDefault(p => !IPNetwork.TryParse(p, out _)) is { } bad ? $"\"{bad}\" is not a CIDR" : Do(() => set(parts));
    }

    private static string? Duration(string value, Action<TimeSpan> set) =>
        GoDuration.TryParse(value, out var d) ? Do(() => set(d)) : DurationError;

    private static string? PositiveDuration(string value, Action<TimeSpan> set) =>
        GoDuration.TryParse(value, out var d) && d > TimeSpan.Zero ? Do(() => set(d)) : DurationError + " greater than 0";

    /// <summary>"" (off), IP:PORT, or an IP alone, which gets <paramref name="port"/> as upstream's IPPortVar flags do.</summary>
    private static string? Address(string value, int port, Action<string> set)
    {
        if (value.Length == 0)
        {
            return Do(() => set(value));
        }
        var address = ConfigurationDefaults.AppendPortIfNeeded(value, port);
        return ConfigurationValidator.HostPortErrors(address).Count == 0 ? Do(() => set(address)) : $"not IP or IP:PORT such as 0.0.0.0:{port}";
    }
}
