using Microsoft.Extensions.Logging;
using Proxy.Configuration;

namespace Proxy.Tests.Configuration;

public class UnsupportedSettingsTests
{
    private const string Header = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

    /// <summary>Everything upstream would do at start but this proxy does not, switched off: nothing to warn about.</summary>
    private static readonly string[] Quiet = ["iptables: {localhostNodePorts: false}"];

    /// <summary><paramref name="yaml"/> plus the quiet settings of every section it does not set itself.</summary>
    private static KubeProxyConfiguration Load(string yaml)
    {
        var keys = yaml.Split('\n').Select(l => l.Split(':')[0]).ToHashSet();
        var quiet = Quiet.Where(q => !keys.Contains(q.Split(':')[0]));
        var (config, errors) = ConfigurationReader.Read("c.yaml", Header + string.Join("\n", quiet) + "\n" + yaml + "\n");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return config!;
    }

    private static List<string> Fired(KubeProxyConfiguration config, string mode) =>
        [.. UnsupportedSettings.Find(config, mode).Select(f => $"{f.Setting.Field}: {f.Value}")];

    [Fact]
    public void UpstreamsDefaultsAskOnlyForLocalhostNodePortsInIptablesMode()
    {
        var kubeadm = ConfigurationReader.Read("k.yaml", File.ReadAllText(RepositoryPaths.File("tests", "Proxy.Tests", "Configuration", "testdata", "kubeadm-v1.32-init-defaults.yaml"))).Configuration!;

        foreach (var config in new[] { new KubeProxyConfiguration(), kubeadm })
        {
            Assert.Equal(["iptables.localhostNodePorts: true"], Fired(config, "iptables"));
            Assert.Empty(Fired(config, "nftables"));
        }
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void WithThoseSwitchedOffNothingFires(string mode) => Assert.Empty(Fired(Load(""), mode));

    /// <summary>One row per entry of <see cref="UnsupportedSettings.All"/>: what makes it fire, and what it then says was asked for.</summary>
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "detectLocalMode", "detectLocalMode: NodeCIDR", "iptables", "NodeCIDR" },
        { "nodePortAddresses", "nodePortAddresses: [192.0.2.0/24, 10.0.0.0/8]", "nftables", "192.0.2.0/24,10.0.0.0/8" },
        { "bindAddress", "bindAddress: 192.0.2.7", "iptables", "192.0.2.7" },
        { "clientConnection", "clientConnection: {qps: 50, burst: 100}", "iptables", "qps=50 burst=100" },
        { "iptables.localhostNodePorts", "iptables: {localhostNodePorts: true}", "iptables", "true" },
        { "iptables.snatNodeInternalIP", "iptables: {localhostNodePorts: false, snatNodeInternalIP: true}", "iptables", "true" },
        { "ipvs", "ipvs: {tcpTimeout: 15m, udpTimeout: 5s}", "ipvs", "tcpTimeout=15m0s udpTimeout=5s" },
        { "featureGates", "featureGates: {KubeProxyDrainingTerminatingNodes: true}", "iptables", "KubeProxyDrainingTerminatingNodes=true" },
        { "enableProfiling", "enableProfiling: true", "iptables", "true" },
        { "showHiddenMetricsForVersion", "showHiddenMetricsForVersion: \"1.31\"", "iptables", "1.31" },
        { "logging.vmodule", "logging: {vmodule: [{filePattern: proxier, verbosity: 4}]}", "iptables", "proxier=4" },
        { "logging.options", "logging: {options: {text: {splitStream: true}, json: {infoBufferSize: 64Ki}}}", "iptables", "text.splitStream=true json.infoBufferSize=64Ki" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void EachEntryFiresForWhatItCannotDo(string field, string yaml, string mode, string value)
    {
        var config = Load(yaml);

        Assert.Equal([$"{field}: {value}"], Fired(config, mode));
    }

    [Fact]
    public void EveryEntryHasARow() =>
        Assert.Equal(UnsupportedSettings.All.Select(s => s.Field), Rows.Select(r => r.Data.Item1));

    [Theory]
    [InlineData("iptables: {localhostNodePorts: true}", "nftables")]
    [InlineData("iptables: {snatNodeInternalIP: true, localhostNodePorts: false}", "ipvs")]
    [InlineData("ipvs: {tcpTimeout: 15m}", "iptables")]
    [InlineData("bindAddress: \"::\"", "iptables")]
    [InlineData("detectLocalMode: ClusterCIDR", "iptables")]
    [InlineData("logging: {options: {json: {infoBufferSize: \"0Ki\"}}}", "iptables")]
    public void AnotherModesSettingOrAnUpstreamNoOpDoesNotFire(string yaml, string mode) => Assert.Empty(Fired(Load(yaml), mode));

    [Fact]
    public void EachFindingIsOneWarningNamingTheField()
    {
        var logger = new CapturingLogger();

        UnsupportedSettings.LogWarnings(logger, Load("nodePortAddresses: [192.0.2.0/24]\nenableProfiling: true"), "iptables");

        Assert.Equal(
            [
                (LogLevel.Warning, 6, "nodePortAddresses asks for 192.0.2.0/24, which is not implemented yet: NodePorts are served on every local address"),
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
