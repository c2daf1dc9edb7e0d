using System.Collections.Immutable;
using System.Globalization;
using System.Net;

namespace Proxy.Cli;

/// <summary>
/// The flag table (upstream kube-proxy names, plus --manifests, --dry-run and --once of our own) and the
/// parser. Accepts <c>--flag value</c>, <c>--flag=value</c>, and for booleans <c>--flag</c> or <c>--flag=false</c>.
/// </summary>
public static class Flags
{
    public static ImmutableArray<FlagDefinition> All { get; } =
    [
        new("proxy-mode", "MODE", "iptables", "Which proxy mode to use: iptables (nftables and ipvs are not built yet).",
            (o, v) => v == "iptables" ? (o with { ProxyMode = v }, null) : (o, $"unsupported proxy mode \"{v}\" (supported: iptables)")),
        new("manifests", "DIR", "", "Read Services and EndpointSlices from the *.yaml/*.yml files in DIR instead of a cluster, and resync when they change.",
            (o, v) => v.Length > 0 ? (o with { ManifestsDirectory = v }, null) : (o, "needs a directory")),
        new("kubeconfig", "PATH", "", "Path to a kubeconfig file for the API server (default: in-cluster config when running in a pod).",
            (o, v) => v.Length > 0 ? (o with { Kubeconfig = v }, null) : (o, "needs a path")),
        new("master", "URL", "", "The address of the API server (overrides the one in --kubeconfig).",
            (o, v) => Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? (o with { Master = v }, null) : (o, "not an http(s) URL")),
        new("hostname-override", "NAME", "", "The name of this node, which decides which endpoints are local (default: the host name).",
            (o, v) => (o with { HostnameOverride = v }, null)),
        new("cluster-cidr", "CIDRS", "", "The pod CIDR(s) of the cluster, comma-separated, at most one per IP family. Traffic to a cluster IP from outside them is masqueraded.",
            ParseCidrs),
        new("masquerade-all", null, "false", "Masquerade all traffic sent to service cluster IPs.",
            (o, v) => ParseBool(v) is { } b ? (o with { MasqueradeAll = b }, null) : (o, BoolError(v))),
        new("iptables-masquerade-bit", "BIT", "14", "The bit of the fwmark space that marks packets needing SNAT, in [0, 31].",
            (o, v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var bit) && bit <= 31
                ? (o with { MasqueradeBit = bit }, null) : (o, $"\"{v}\" is not an integer in [0, 31]")),
        new("iptables-min-sync-period", "DURATION", "1s", "The shortest time between two syncs: events within it are coalesced (e.g. 1s, 500ms, 2m).",
            (o, v) => GoDuration.TryParse(v, out var d) ? (o with { MinSyncPeriod = d }, null) : (o, DurationError(v))),
        new("iptables-sync-period", "DURATION", "30s", "The longest time between two syncs: rules are rewritten at least this often. Must be greater than 0.",
            (o, v) => GoDuration.TryParse(v, out var d) && d > TimeSpan.Zero ? (o with { SyncPeriod = d }, null) : (o, DurationError(v) + " greater than 0")),
        new("cleanup", null, "false", "Remove every rule and chain this proxy owns, then exit.",
            (o, v) => ParseBool(v) is { } b ? (o with { Cleanup = b }, null) : (o, BoolError(v))),
        new("dry-run", null, "false", "Print the exact rules payload that would be applied to stdout and change nothing.",
            (o, v) => ParseBool(v) is { } b ? (o with { DryRun = b }, null) : (o, BoolError(v))),
        new("once", null, "false", "Sync once, then exit 0 (or non-zero with the error).",
            (o, v) => ParseBool(v) is { } b ? (o with { Once = b }, null) : (o, BoolError(v))),
        new("v", "LEVEL", "0", "Log verbosity: 0 information, 2 and up debug, 5 and up trace.",
            (o, v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (o with { Verbosity = n }, null) : (o, $"\"{v}\" is not a non-negative integer")),
        new("help", null, "false", "Print this help and exit.",
            (o, v) => ParseBool(v) is { } b ? (o with { Help = b }, null) : (o, BoolError(v))),
    ];

    /// <summary>Alternative spellings: newer upstream names and the usual short forms.</summary>
    private static readonly ImmutableDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["min-sync-period"] = "iptables-min-sync-period",
        ["sync-period"] = "iptables-sync-period",
        ["h"] = "help",
    }.ToImmutableDictionary();

    /// <summary>Parses <paramref name="args"/>; on failure returns a one-line reason naming the flag.</summary>
    public static (ProxyOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new ProxyOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg is "-" or "--")
            {
                return (null, $"unexpected argument \"{arg}\" (flags start with --; see --help)");
            }
            var body = arg.TrimStart('-');
            string? value = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = body[(eq + 1)..];
                body = body[..eq];
            }
            var name = Aliases.GetValueOrDefault(body, body);
            var flag = All.FirstOrDefault(f => f.Name == name);
            if (flag is null)
            {
                return (null, $"unknown flag: {arg.Split('=')[0]} (see --help)");
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
                    return (null, $"flag needs an argument: --{flag.Name}");
                }
            }
            var (next, error) = flag.Apply(options, value);
            if (error is not null)
            {
                return (null, $"invalid value \"{value}\" for --{flag.Name}: {error}");
            }
            options = next;
        }
        return (options, null);
    }

    /// <summary>The --help text: usage, then every flag with its default.</summary>
    public static string HelpText()
    {
        var lines = new List<string>
        {
            "kube-proxy-sharp: a drop-in replacement for kube-proxy.",
            "",
            "Usage: kube-proxy-sharp [flags]",
            "",
            "Flags:",
        };
        foreach (var flag in All)
        {
            var head = flag.IsBoolean ? $"  --{flag.Name}" : $"  --{flag.Name} {flag.ValueName}";
            lines.Add($"{head,-40} {flag.Help} (default {(flag.DefaultText.Length == 0 ? "\"\"" : flag.DefaultText)})");
        }
        lines.Add("");
        lines.Add("Also accepted: --min-sync-period, --sync-period (aliases of the --iptables-* ones), -h.");
        return string.Join('\n', lines) + "\n";
    }

    private static bool? ParseBool(string value) => value switch
    {
        "true" or "1" or "t" or "T" or "TRUE" or "True" => true,
        "false" or "0" or "f" or "F" or "FALSE" or "False" => false,
        _ => null,
    };

    private static string BoolError(string value) => "not a boolean (true or false)";

    private static string DurationError(string value) => "not a duration such as 1s, 500ms or 2m";

    private static (ProxyOptions, string?) ParseCidrs(ProxyOptions options, string value)
    {
        var result = ImmutableArray.CreateBuilder<IPNetwork>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(part, out var network))
            {
                return (options, $"\"{part}\" is not a CIDR such as 10.244.0.0/16");
            }
            if (result.Any(n => n.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily))
            {
                return (options, "at most one CIDR per IP family");
            }
            result.Add(network);
        }
        return (options with { ClusterCidrs = result.ToImmutable() }, null);
    }
}
