using System.Net;
using Microsoft.Extensions.Logging;

namespace Proxy.Configuration;

/// <summary>
/// The one list of fields that are accepted (rejecting them would break configs that upstream accepts) but not
/// implemented yet, each warned about once at start. An entry fires when its value asks for something upstream
/// kube-proxy would do: clientConnection's rate limits, for one, fire only when changed, their default effect being
/// invisible for a list-and-watch client. Fields upstream itself ignores on Linux (winkernel, portRange,
/// windowsRunAsService) and ones without effect (configSyncPeriod: informer resyncs change nothing) are not listed.
/// </summary>
public static partial class UnsupportedSettings
{
    public static IReadOnlyList<UnsupportedSetting> All { get; } =
    [
        new("detectLocalMode", "only ClusterCIDR is implemented: traffic from clusterCIDR counts as local, nothing else does",
            (c, _) => c.DetectLocalMode is "" or "ClusterCIDR" ? null : c.DetectLocalMode),
        new("nodePortAddresses", "NodePorts are served on every local address",
            (c, _) => c.NodePortAddresses.Count == 0 ? null : string.Join(",", c.NodePortAddresses)),
        new("bindAddress", "the node's primary IP is not overridden by it",
            (c, _) => IPAddress.TryParse(c.BindAddress, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) ? null : c.BindAddress),
        new("clientConnection", "requests to the API server are not rate-limited",
            (c, _) => c.ClientConnection.Qps == 5 && c.ClientConnection.Burst == 10 ? null : $"qps={c.ClientConnection.Qps} burst={c.ClientConnection.Burst}"),
        new("iptables.localhostNodePorts", "NodePorts are not reachable on 127.0.0.1 (route_localnet is left alone); set it to false to silence this",
            (c, mode) => mode == "iptables" && c.Iptables.LocalhostNodePorts ? "true" : null),
        new("iptables.snatNodeInternalIP", "service traffic is masqueraded to the outgoing interface's address",
            (c, mode) => mode == "iptables" && c.Iptables.SnatNodeInternalIP ? "true" : null),
        new("ipvs", "IPVS connection timeouts keep the kernel's values",
            (c, mode) => mode != "ipvs" ? null : Join(
                Duration("tcpTimeout", c.Ipvs.TcpTimeout), Duration("tcpFinTimeout", c.Ipvs.TcpFinTimeout), Duration("udpTimeout", c.Ipvs.UdpTimeout))),
        new("featureGates", "feature gates are ignored",
            (c, _) => c.FeatureGates.Count == 0 ? null : string.Join(",", c.FeatureGates.Select(g => $"{g.Key}={(g.Value ? "true" : "false")}"))),
        new("enableProfiling", "/debug/pprof is not served", (c, _) => c.EnableProfiling ? "true" : null),
        new("showHiddenMetricsForVersion", "no hidden metrics are shown",
            (c, _) => c.ShowHiddenMetricsForVersion.Length == 0 ? null : c.ShowHiddenMetricsForVersion),
        new("logging.vmodule", "logging.verbosity applies to every message",
            (c, _) => c.Logging.Vmodule.Count == 0 ? null : string.Join(",", c.Logging.Vmodule.Select(v => $"{v.FilePattern}={v.Verbosity}"))),
        new("logging.options", "logs are written unbuffered to stderr",
            (c, _) => Join(Routing("text", c.Logging.Options.Text), Routing("json", c.Logging.Options.Json))),
    ];

    /// <summary>The entries that fire for <paramref name="configuration"/> in <paramref name="mode"/>, with what each field asks for.</summary>
    public static IReadOnlyList<(UnsupportedSetting Setting, string Value)> Find(KubeProxyConfiguration configuration, string mode) =>
        [.. All.Select(s => (Setting: s, Value: s.SetTo(configuration, mode))).Where(f => f.Value is not null).Select(f => (f.Setting, f.Value!))];

    /// <summary>One warning per entry that fires: call once, at start.</summary>
    public static void LogWarnings(ILogger logger, KubeProxyConfiguration configuration, string mode)
    {
        foreach (var (setting, value) in Find(configuration, mode))
        {
            LogNotImplemented(logger, setting.Field, value, setting.Consequence);
        }
    }

    private static string? Duration(string name, TimeSpan value) => value > TimeSpan.Zero ? $"{name}={GoDurationFormat.Format(value)}" : null;

    private static string? Routing(string name, LoggingOutputRouting routing) => Join(
        routing.SplitStream ? $"{name}.splitStream=true" : null,
        IsZero(routing.InfoBufferSize) ? null : $"{name}.infoBufferSize={routing.InfoBufferSize}");

    /// <summary>Whether a quantity's number is 0 (its suffix cannot make it otherwise); an invalid one is validation's business.</summary>
    private static bool IsZero(string quantity) =>
        QuantityNumber().Match(quantity) is not { Success: true } m
        || double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) == 0;

    private static string? Join(params string?[] parts) =>
        parts.Where(p => p is not null).ToList() is { Count: > 0 } set ? string.Join(" ", set) : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex QuantityNumber();

    // Event ids 1-5 and 7 are ProxyCommand's, in the same log category.
    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{Field} asks for {Value}, which is not implemented yet: {Consequence}")]
    private static partial void LogNotImplemented(ILogger logger, string field, string value, string consequence);
}
