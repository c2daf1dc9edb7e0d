using Microsoft.Extensions.Logging;

namespace Proxy.Configuration;

/// <summary>
/// The one list of fields that are accepted (rejecting them would break configs and command lines that upstream
/// accepts) but not implemented yet, each warned about once at start, and only for what the user asked for: a field
/// they gave (by a flag or in the --config file) with a value that asks upstream to do something.
/// </summary>
/// <remarks>
/// Upstream's defaults never warn: a warning at every start about a default would be noise the user can only silence
/// by writing values they do not mean. clientConnection's rate limits, for one, fire only when changed, their default
/// effect being invisible for a list-and-watch client. The conntrack settings are implemented (Conntrack/); fields
/// upstream itself ignores on Linux (winkernel, portRange, windowsRunAsService) are not listed.
/// </remarks>
public static partial class UnsupportedSettings
{
    private static readonly TimeSpan DefaultConfigSyncPeriod = TimeSpan.FromMinutes(15);

    public static IReadOnlyList<UnsupportedSetting> All { get; } =
    [
        new("clientConnection",
            ["clientConnection.qps", "clientConnection.burst", "clientConnection.contentType", "clientConnection.acceptContentTypes"],
            "requests to the API server are not rate-limited and are made in JSON",
            r => Join(
                r.Given("clientConnection.qps", r.Config.ClientConnection.Qps != 5, $"qps={r.Config.ClientConnection.Qps}"),
                r.Given("clientConnection.burst", r.Config.ClientConnection.Burst != 10, $"burst={r.Config.ClientConnection.Burst}"),
                r.Given("clientConnection.contentType", r.Config.ClientConnection.ContentType != ClientConnectionConfiguration.DefaultContentType,
                    $"contentType={r.Config.ClientConnection.ContentType}"),
                r.Given("clientConnection.acceptContentTypes", r.Config.ClientConnection.AcceptContentTypes.Length > 0,
                    $"acceptContentTypes={r.Config.ClientConnection.AcceptContentTypes}"))),
        new("configSyncPeriod", ["configSyncPeriod"], "the informers never re-list on a timer; the watch delivers every change",
            r => r.Given("configSyncPeriod", r.Config.ConfigSyncPeriod != DefaultConfigSyncPeriod, GoDurationFormat.Format(r.Config.ConfigSyncPeriod))),
        new("iptables.snatNodeInternalIP", ["iptables.snatNodeInternalIP"], "service traffic is masqueraded to the outgoing interface's address",
            r => r.Given("iptables.snatNodeInternalIP", r.Mode == "iptables" && r.Config.Iptables.SnatNodeInternalIP, "true")),
        new("featureGates", ["featureGates"], "feature gates are ignored",
            r => r.Given("featureGates", r.Config.FeatureGates.Count > 0, string.Join(",", r.Config.FeatureGates.Select(g => $"{g.Key}={(g.Value ? "true" : "false")}")))),
        new("enableProfiling", ["enableProfiling"], "/debug/pprof is not served", r => r.Given("enableProfiling", r.Config.EnableProfiling, "true")),
        new("showHiddenMetricsForVersion", ["showHiddenMetricsForVersion"], "no hidden metrics are shown",
            r => r.Given("showHiddenMetricsForVersion", r.Config.ShowHiddenMetricsForVersion.Length > 0, r.Config.ShowHiddenMetricsForVersion)),
        new("logging.vmodule", ["logging.vmodule"], "logging.verbosity applies to every message",
            r => r.Given("logging.vmodule", r.Config.Logging.Vmodule.Count > 0, string.Join(",", r.Config.Logging.Vmodule.Select(v => $"{v.FilePattern}={v.Verbosity}")))),
        new("logging.options",
            ["logging.options.text.splitStream", "logging.options.text.infoBufferSize", "logging.options.json.splitStream", "logging.options.json.infoBufferSize"],
            "logs are written unbuffered to stderr",
            r => Join(Routing(r, "text", r.Config.Logging.Options.Text), Routing(r, "json", r.Config.Logging.Options.Json))),
    ];

    /// <summary>The entry that covers <paramref name="field"/> (a v1alpha1 path), if it is not implemented yet.</summary>
    public static UnsupportedSetting? Covering(string field) => All.FirstOrDefault(s => s.Fields.Contains(field));

    /// <summary>The entries that fire, with what the user asked for in each.</summary>
    public static IReadOnlyList<(UnsupportedSetting Setting, string Value)> Find(SettingRequest request) =>
        [.. All.Select(s => (Setting: s, Value: s.AskedFor(request))).Where(f => f.Value is not null).Select(f => (f.Setting, f.Value!))];

    /// <summary>One warning per entry that fires: call once, at start.</summary>
    public static void LogWarnings(ILogger logger, SettingRequest request)
    {
        foreach (var (setting, value) in Find(request))
        {
            LogNotImplemented(logger, setting.Field, value, setting.Consequence);
        }
    }

    private static string? Routing(SettingRequest r, string name, LoggingOutputRouting routing) => Join(
        r.Given($"logging.options.{name}.splitStream", routing.SplitStream, $"{name}.splitStream=true"),
        r.Given($"logging.options.{name}.infoBufferSize", !IsZero(routing.InfoBufferSize), $"{name}.infoBufferSize={routing.InfoBufferSize}"));

    /// <summary>Whether a quantity's number is 0 (its suffix cannot make it otherwise); an invalid one is validation's business.</summary>
    private static bool IsZero(string quantity) =>
        QuantityNumber().Match(quantity) is not { Success: true } m
        || double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) == 0;

    private static string? Join(params string?[] parts) =>
        parts.Where(p => p is not null).ToList() is { Count: > 0 } set ? string.Join(" ", set) : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex QuantityNumber();

    // Event ids 1-5, 7-16 and 20 are ProxyCommand's, in the same log category.
    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{Field} asks for {Value}, which is not implemented yet: {Consequence}")]
    private static partial void LogNotImplemented(ILogger logger, string field, string value, string consequence);
}
