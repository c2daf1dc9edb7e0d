using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-config-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string File(string text)
    {
        var path = Path.Combine(dir, $"config-{Guid.NewGuid():N}.yaml");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void AnEmptyConfigurationHasUpstreamsDefaults()
    {
        var (config, errors) = ConfigurationReader.Read("c.yaml", "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n");

        Assert.Empty(errors);
        Assert.Equal("", config!.Mode);
        Assert.Equal("0.0.0.0:10256", config.HealthzBindAddress);
        Assert.Equal("127.0.0.1:10249", config.MetricsBindAddress);
        Assert.Equal(14, config.Iptables.MasqueradeBit);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Iptables.MinSyncPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Iptables.SyncPeriod);
        Assert.True(config.Iptables.LocalhostNodePorts);
        Assert.Equal(32768, config.Conntrack.MaxPerCore);
        Assert.Equal(TimeSpan.FromHours(24), config.Conntrack.TcpEstablishedTimeout);
        Assert.Equal(-999, config.OomScoreAdj);
        Assert.Equal(TimeSpan.FromMinutes(15), config.ConfigSyncPeriod);
    }

    [Fact]
    public void FieldsAreReadWithUpstreamNames()
    {
        var (config, errors) = ConfigurationReader.Read("c.yaml", """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: iptables
            clusterCIDR: 10.244.0.0/16,fd00:244::/48
            hostnameOverride: node-7
            metricsBindAddress: 0.0.0.0:10249
            clientConnection: {kubeconfig: /var/lib/kube-proxy/kubeconfig.conf, qps: 50}
            iptables: {masqueradeAll: true, masqueradeBit: 15, minSyncPeriod: 2s, syncPeriod: 1m0s}
            ipvs: {scheduler: wrr, excludeCIDRs: [10.0.0.0/8]}
            conntrack: {maxPerCore: null}
            nodePortAddresses: [primary, 192.0.2.0/24]
            featureGates: {SomeGate: true}
            detectLocalMode: ClusterCIDR
            logging: {format: json, verbosity: 3}
            """);

        Assert.Empty(errors);
        Assert.Equal("iptables", config!.Mode);
        Assert.Equal("10.244.0.0/16,fd00:244::/48", config.ClusterCIDR);
        Assert.Equal("/var/lib/kube-proxy/kubeconfig.conf", config.ClientConnection.Kubeconfig);
        Assert.Equal(50, config.ClientConnection.Qps);
        Assert.True(config.Iptables.MasqueradeAll);
        Assert.Equal(15, config.Iptables.MasqueradeBit);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Iptables.MinSyncPeriod);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Iptables.SyncPeriod);
        Assert.Equal("wrr", config.Ipvs.Scheduler);
        Assert.Equal(32768, config.Conntrack.MaxPerCore);
        Assert.Equal(["primary", "192.0.2.0/24"], config.NodePortAddresses);
        Assert.True(config.FeatureGates["SomeGate"]);
        Assert.Equal("json", config.Logging.Format);
        Assert.Equal(3, config.Logging.Verbosity);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce_EachNamingItsField()
    {
        var (config, errors) = ConfigurationReader.Read("bad.yaml", """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: userspace
            clusterCIDR: 10.244.0.0/33
            metricsBindAddress: localhost
            iptables:
              masqueradeBit: 40
              syncPeriod: 0s
              minSyncPeriod: soon
              masqueradAll: true
            conntrack: {maxPerCore: lots}
            nodePortAddresses: [not-a-cidr]
            detectLocalMode: Magic
            logging: {format: xml}
            unknownTopLevel: 1
            """);

        Assert.Null(config);
        Assert.Equal(
            [
                "bad.yaml:9: iptables.minSyncPeriod: expected a duration such as 30s, 1m0s or 500ms",
                "bad.yaml:10: iptables.masqueradAll: unknown field",
                "bad.yaml:11: conntrack.maxPerCore: expected an integer",
                "bad.yaml:15: unknownTopLevel: unknown field",
                "bad.yaml: mode: \"userspace\" is not one of iptables, nftables, ipvs",
                "bad.yaml: metricsBindAddress: \"localhost\" is not IP:port",
                "bad.yaml: clusterCIDR: \"10.244.0.0/33\" is not a CIDR such as 10.244.0.0/16",
                "bad.yaml: iptables.masqueradeBit: 40 must be in [0, 31]",
                "bad.yaml: iptables.syncPeriod: must be greater than 0",
                "bad.yaml: nodePortAddresses[0]: \"not-a-cidr\" is not a CIDR or \"primary\"",
                "bad.yaml: detectLocalMode: \"Magic\" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix",
                "bad.yaml: logging.format: \"xml\" is not text or json",
            ],
            errors);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: KubeProxyConfiguration\n", "apiVersion: must be kubeproxy.config.k8s.io/v1alpha1, not \"v1\"")]
    [InlineData("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: Foo\n", "kind: must be KubeProxyConfiguration, not \"Foo\"")]
    [InlineData("- a\n", "expected one KubeProxyConfiguration document")]
    [InlineData("mode: [", "invalid YAML")]
    [InlineData("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nnodePortAddresses: 3\n", "nodePortAddresses: expected a list of strings")]
    [InlineData("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables: true\n", "iptables: expected a mapping")]
    public void OtherMistakesAreNamed(string yaml, string expected)
    {
        var (config, errors) = ConfigurationReader.Read("c.yaml", yaml);

        Assert.Null(config);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void FlagsOverrideTheFile_AndWhatTheyDoNotSetComesFromIt()
    {
        var path = File("""
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            clusterCIDR: 10.244.0.0/16
            hostnameOverride: from-file
            iptables: {syncPeriod: 45s, minSyncPeriod: 3s}
            """);

        var (options, error) = Flags.Parse(["--iptables-sync-period=10s", "--config", path, "--hostname-override", "from-flag"]);

        Assert.Null(error);
        Assert.Equal("from-flag", options!.HostnameOverride);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SyncPeriod);
        Assert.Equal(TimeSpan.FromSeconds(3), options.MinSyncPeriod);
        Assert.Equal("10.244.0.0/16", Assert.Single(options.ClusterCidrs).ToString());
    }

    [Fact]
    public void AnInvalidFileFailsTheCommandLineWithEveryProblem()
    {
        var path = File("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: bogus\nbogusField: 1\n");

        var (options, error) = Flags.Parse(["--config", path]);

        Assert.Null(options);
        Assert.StartsWith("invalid configuration (2 problems):", error);
        Assert.Contains("bogusField: unknown field", error);
        Assert.Contains("mode: \"bogus\"", error);
    }

    [Fact]
    public void IpvsModeTakesItsSettingsFromTheFile_AndTheSchedulerFlagOverridesIt()
    {
        var path = File("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs: {scheduler: lc, strictARP: true, syncPeriod: 10s}\n");

        var (fromFile, _) = Flags.Parse(["--config", path]);
        var (overridden, _) = Flags.Parse(["--config", path, "--ipvs-scheduler", "mh"]);

        Assert.Equal("ipvs", fromFile!.ProxyMode);
        Assert.Equal("lc", fromFile.Config.Ipvs.Scheduler);
        Assert.True(fromFile.Config.Ipvs.StrictARP);
        Assert.Equal(TimeSpan.FromSeconds(10), fromFile.SyncPeriod);
        Assert.Equal("mh", overridden!.Config.Ipvs.Scheduler);
    }

    [Fact]
    public void AnUnknownIpvsSchedulerIsRejectedByFieldAndByFlag()
    {
        var path = File("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs: {scheduler: fastest}\n");

        var (_, fileError) = Flags.Parse(["--config", path]);
        var (_, flagError) = Flags.Parse(["--proxy-mode", "ipvs", "--ipvs-scheduler", "fastest"]);

        Assert.Contains("ipvs.scheduler: \"fastest\" is not an IPVS scheduler", fileError);
        Assert.StartsWith("invalid value \"fastest\" for --ipvs-scheduler: not an IPVS scheduler (rr, wrr, lc,", flagError);
    }

    [Fact]
    public async Task WriteConfigToWritesTheEffectiveConfigurationThatReadsBackTheSame()
    {
        var example = RepositoryPaths.File("deploy", "kube-proxy-config.yaml");
        var written = Path.Combine(dir, "effective.yaml");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--config", example, "--hostname-override", "node-9", "--write-config-to", written], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == 0, stderr.ToString());
        var (reread, errors) = ConfigurationReader.Read(written, System.IO.File.ReadAllText(written));
        Assert.Empty(errors);
        Assert.Equal("node-9", reread!.HostnameOverride);
        Assert.Equal(System.IO.File.ReadAllText(written), ConfigurationWriter.Write(reread));
        var (original, _) = ConfigurationReader.Read(example, System.IO.File.ReadAllText(example));
        original!.HostnameOverride = "node-9";
        Assert.Equal(ConfigurationWriter.Write(original), System.IO.File.ReadAllText(written));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(500, "500ms")]
    [InlineData(1000, "1s")]
    [InlineData(30_000, "30s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(900_000, "15m0s")]
    [InlineData(86_400_000, "24h0m0s")]
    public void DurationsAreWrittenAsGoDoes(int milliseconds, string expected) =>
        Assert.Equal(expected, GoDurationFormat.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
