using Microsoft.Extensions.Logging;
using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Tests.Configuration;

public sealed class UnsupportedSettingsTests : IDisposable
{
    private const string Header = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

    private static readonly string Kubeadm = RepositoryPaths.File("tests", "Proxy.Tests", "Configuration", "testdata", "kubeadm-v1.32-init-defaults.yaml");

    private readonly string dir = Directory.CreateTempSubdirectory("kps-unsupported-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>What fires for this command line (a --config file written from <paramref name="yaml"/> when it is not null).</summary>
    private List<string> Fired(string? yaml, params string[] flags)
    {
        string[] config = [];
        if (yaml is not null)
        {
            var path = Path.Combine(dir, $"c-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(path, (yaml.Contains("apiVersion:", StringComparison.Ordinal) ? "" : Header) + yaml + "\n");
            config = ["--config", path];
        }
        var (options, error) = Flags.Parse([.. config, .. flags]);
        Assert.True(error is null, error);
        return [.. UnsupportedSettings.Find(new SettingRequest(options!.Config, options.ProxyMode, options.IsGiven)).Select(f => $"{f.Setting.Field}: {f.Value}")];
    }

    /// <summary>
    /// Item 5 of issue 12: a first run is quiet. Upstream's defaults ask for things, but nobody asked this
    /// proxy for them: neither no configuration at all nor kubeadm's file, which writes every field
    /// it leaves to kube-proxy as a zero or null, makes a warning, in any mode.
    /// </summary>
    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void UpstreamsDefaultsNeverWarn(string mode)
    {
        Assert.Empty(Fired(null, "--proxy-mode", mode));
        Assert.Empty(Fired(File.ReadAllText(Kubeadm).Replace("mode: \"\"", $"mode: {mode}", StringComparison.Ordinal)));
    }

    /// <summary>The configuration the DaemonSet ships asks for nothing that is not done: a deployed proxy starts without a warning.</summary>
    [Fact]
    public void TheShippedConfigurationAsksForNothingUnimplemented() =>
        Assert.Empty(Fired(File.ReadAllText(RepositoryPaths.File("deploy", "kube-proxy-config.yaml")), "--hostname-override=node-1"));

    /// <summary>One row per entry of <see cref="UnsupportedSettings.All"/>: what the user gives, and what the entry then says they asked for.</summary>
    public static TheoryData<string, string?, string[], string> Rows => new()
    {
        { "clientConnection", "clientConnection: {qps: 50, burst: 100}", [], "qps=50 burst=100" },
        { "configSyncPeriod", null, ["--config-sync-period", "1m"], "1m0s" },
        { "iptables.snatNodeInternalIP", "iptables: {snatNodeInternalIP: true}", [], "true" },
        { "featureGates", null, ["--feature-gates", "KubeProxyDrainingTerminatingNodes=true"], "KubeProxyDrainingTerminatingNodes=true" },
        { "enableProfiling", null, ["--profiling"], "true" },
        { "showHiddenMetricsForVersion", "showHiddenMetricsForVersion: \"1.31\"", [], "1.31" },
        { "logging.vmodule", null, ["--vmodule", "proxier=4"], "proxier=4" },
        { "logging.options", "logging: {options: {text: {splitStream: true}, json: {infoBufferSize: 64Ki}}}", [], "text.splitStream=true json.infoBufferSize=64Ki" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void EachEntryFiresForWhatTheUserAskedFor(string field, string? yaml, string[] flags, string value) =>
        Assert.Equal([$"{field}: {value}"], Fired(yaml, flags));

    [Fact]
    public void EveryEntryHasARow() =>
        Assert.Equal(UnsupportedSettings.All.Select(s => s.Field), Rows.Select(r => r.Data.Item1));

    /// <summary>What the user gave but asks for nothing upstream would do, or for another mode, stays quiet.</summary>
    [Theory]
    [InlineData("iptables: {snatNodeInternalIP: true}\nmode: ipvs")]
    [InlineData("ipvs: {tcpTimeout: 15m}")]
    [InlineData("mode: ipvs\nipvs: {tcpTimeout: 15m, tcpFinTimeout: 30s, udpTimeout: 5s}")]
    [InlineData("clientConnection: {contentType: application/vnd.kubernetes.protobuf, qps: 5}")]
    [InlineData("configSyncPeriod: 15m")]
    [InlineData("logging: {options: {json: {infoBufferSize: \"0Ki\"}}}")]
    public void WhatAsksForNothingDoesNotFire(string yaml) => Assert.Empty(Fired(yaml));

    /// <summary>A field of an entry that the user did not give is not named, even when its value differs from upstream's default.</summary>
    [Fact]
    public void OnlyTheGivenFieldsAreNamed() =>
        Assert.Equal(["clientConnection: qps=50"], Fired("clientConnection: {qps: 50}"));

    [Fact]
    public void EachFindingIsOneWarningNamingTheField()
    {
        var logger = new CapturingLogger();
        var (options, _) = Flags.Parse(["--feature-gates=A=true", "--profiling"]);

        UnsupportedSettings.LogWarnings(logger, new SettingRequest(options!.Config, options.ProxyMode, options.IsGiven));

        Assert.Equal(
            [
                (LogLevel.Warning, 6, "featureGates asks for A=true, which is not implemented yet: feature gates are ignored"),
                (LogLevel.Warning, 6, "enableProfiling asks for true, which is not implemented yet: /debug/pprof is not served"),
            ],
            logger.Entries);
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel, int, string)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
