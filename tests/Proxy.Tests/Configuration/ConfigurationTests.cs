using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    private const string Header = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

    private static readonly string Kubeadm = RepositoryPaths.File("tests", "Proxy.Tests", "Configuration", "testdata", "kubeadm-v1.32-init-defaults.yaml");

    private readonly string dir = Directory.CreateTempSubdirectory("kps-config-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string File(string text)
    {
        var path = Path.Combine(dir, $"config-{Guid.NewGuid():N}.yaml");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static KubeProxyConfiguration Load(string yaml)
    {
        var (config, errors) = ConfigurationReader.Read("c.yaml", yaml);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return config!;
    }

    /// <summary>A field's value by its upstream path (e.g. "iptables.syncPeriod"), spelled as the writer spells it.</summary>
    private static string Value(KubeProxyConfiguration config, string path) =>
        ConfigurationFields.Get(config, path) ?? throw new ArgumentException($"no field {path}", nameof(path));

    /// <summary>Upstream's effective value of every field that has a default, for a file that sets none of them.</summary>
    public static TheoryData<string, string> UpstreamDefaults => new()
    {
        { "bindAddress", "0.0.0.0" },
        { "healthzBindAddress", "0.0.0.0:10256" },
        { "metricsBindAddress", "127.0.0.1:10249" },
        { "mode", "" },
        { "clientConnection.contentType", "application/vnd.kubernetes.protobuf" },
        { "clientConnection.qps", "5" },
        { "clientConnection.burst", "10" },
        { "iptables.masqueradeBit", "14" },
        { "iptables.masqueradeAll", "false" },
        { "iptables.localhostNodePorts", "true" },
        { "iptables.minSyncPeriod", "1s" },
        { "iptables.syncPeriod", "30s" },
        { "nftables.masqueradeBit", "14" },
        { "nftables.minSyncPeriod", "1s" },
        { "nftables.syncPeriod", "30s" },
        { "ipvs.minSyncPeriod", "0s" },
        { "ipvs.syncPeriod", "30s" },
        { "ipvs.scheduler", "" },
        { "conntrack.maxPerCore", "32768" },
        { "conntrack.min", "131072" },
        { "conntrack.tcpEstablishedTimeout", "24h0m0s" },
        { "conntrack.tcpCloseWaitTimeout", "1h0m0s" },
        { "conntrack.tcpBeLiberal", "false" },
        { "conntrack.udpTimeout", "0s" },
        { "conntrack.udpStreamTimeout", "0s" },
        { "oomScoreAdj", "-999" },
        { "configSyncPeriod", "15m0s" },
        { "detectLocalMode", "" },
        { "nodePortAddresses", "" },
        { "featureGates", "" },
        { "logging.format", "text" },
        { "logging.flushFrequency", "5s" },
        { "logging.verbosity", "0" },
        { "logging.options.text.infoBufferSize", "0" },
        { "logging.options.json.infoBufferSize", "0" },
    };

    [Theory]
    [MemberData(nameof(UpstreamDefaults))]
    public void AFileWithOnlyApiVersionAndKindHasUpstreamsDefaults(string field, string expected) =>
        Assert.Equal(expected, Value(Load(Header), field));

    [Theory]
    [MemberData(nameof(UpstreamDefaults))]
    public void AKubeadmFileOfZerosHasUpstreamsDefaults(string field, string expected) =>
        Assert.Equal(expected, Value(Load(System.IO.File.ReadAllText(Kubeadm)), field));

    [Theory]
    [MemberData(nameof(UpstreamDefaults))]
    public void NoFileAtAllHasUpstreamsDefaults(string field, string expected)
    {
        var (options, error) = Flags.Parse([]);

        Assert.Null(error);
        Assert.Equal(expected, Value(options!.Config, field));
    }

    [Fact]
    public void TheKubeadmFileIsExactlyTheDefaultsPlusItsKubeconfig()
    {
        var loaded = Load(System.IO.File.ReadAllText(Kubeadm));

        var expected = new KubeProxyConfiguration();
        expected.ClientConnection.Kubeconfig = "/var/lib/kube-proxy/kubeconfig.conf";
        Assert.Equal(ConfigurationWriter.Write(expected), ConfigurationWriter.Write(loaded));
    }

    /// <summary>
    /// Where upstream's field is a plain value, zero means unset and gets the default; where it is a pointer
    /// (masqueradeBit, oomScoreAdj, conntrack.*, localhostNodePorts), only null does, and an explicit 0 stays.
    /// </summary>
    [Theory]
    [InlineData("iptables: {syncPeriod: 0s, minSyncPeriod: 0s}", "iptables.syncPeriod", "30s")]
    [InlineData("iptables: {minSyncPeriod: 0s}", "iptables.minSyncPeriod", "1s")]
    [InlineData("nftables: {minSyncPeriod: 0s}", "nftables.minSyncPeriod", "1s")]
    [InlineData("ipvs: {syncPeriod: 0s}", "ipvs.syncPeriod", "30s")]
    [InlineData("ipvs: {minSyncPeriod: 0s}", "ipvs.minSyncPeriod", "0s")]
    [InlineData("configSyncPeriod: 0s", "configSyncPeriod", "15m0s")]
    [InlineData("clientConnection: {qps: 0, burst: 0, contentType: \"\"}", "clientConnection.qps", "5")]
    [InlineData("clientConnection: {qps: 0.5}", "clientConnection.qps", "0.5")]
    [InlineData("bindAddress: \"\"", "bindAddress", "0.0.0.0")]
    [InlineData("logging: {format: \"\"}", "logging.format", "text")]
    [InlineData("logging: {flushFrequency: 0}", "logging.flushFrequency", "5s")]
    [InlineData("logging: {flushFrequency: 2000000000}", "logging.flushFrequency", "2s")]
    [InlineData("logging: {flushFrequency: 3s}", "logging.flushFrequency", "3s")]
    [InlineData("logging: {options: {text: {infoBufferSize: \"\"}}}", "logging.options.text.infoBufferSize", "0")]
    [InlineData("iptables: {masqueradeBit: 0}", "iptables.masqueradeBit", "0")]
    [InlineData("nftables: {masqueradeBit: null}", "nftables.masqueradeBit", "14")]
    [InlineData("oomScoreAdj: 0", "oomScoreAdj", "0")]
    [InlineData("conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s}", "conntrack.maxPerCore", "0")]
    [InlineData("conntrack: {tcpEstablishedTimeout: 0s}", "conntrack.tcpEstablishedTimeout", "0s")]
    [InlineData("conntrack: {tcpCloseWaitTimeout: null}", "conntrack.tcpCloseWaitTimeout", "1h0m0s")]
    [InlineData("iptables: {localhostNodePorts: false}", "iptables.localhostNodePorts", "false")]
    [InlineData("healthzBindAddress: 0.0.0.0", "healthzBindAddress", "0.0.0.0:10256")]
    [InlineData("metricsBindAddress: 0.0.0.0", "metricsBindAddress", "0.0.0.0:10249")]
    [InlineData("metricsBindAddress: \"::\"", "metricsBindAddress", "[::]:10249")]
    [InlineData("metricsBindAddress: 192.0.2.1:9999", "metricsBindAddress", "192.0.2.1:9999")]
    [InlineData("bindAddress: \"::1\"", "healthzBindAddress", "[::]:10256")]
    [InlineData("bindAddress: \"::1\"", "metricsBindAddress", "[::1]:10249")]
    [InlineData("bindAddress: 192.0.2.7", "metricsBindAddress", "127.0.0.1:10249")]
    [InlineData("featureGates: {}", "featureGates", "")]
    [InlineData("nodePortAddresses: null", "nodePortAddresses", "")]
    public void ZeroMeansUnsetExactlyWhereUpstreamSaysSo(string line, string field, string expected) =>
        Assert.Equal(expected, Value(Load(Header + line + "\n"), field));

    [Fact]
    public void FieldsAreReadWithUpstreamNames()
    {
        var config = Load(Header + """
            mode: iptables
            clusterCIDR: 10.244.0.0/16,fd00:244::/48
            hostnameOverride: node-7
            metricsBindAddress: 0.0.0.0:10249
            clientConnection: {kubeconfig: /var/lib/kube-proxy/kubeconfig.conf, qps: 50}
            iptables: {masqueradeAll: true, masqueradeBit: 15, minSyncPeriod: 2s, syncPeriod: 1m0s}
            ipvs: {scheduler: wrr, excludeCIDRs: [10.0.0.0/8]}
            conntrack: {maxPerCore: null}
            nodePortAddresses: [192.0.2.0/24, 2001:db8::/64]
            featureGates: {SomeGate: true}
            detectLocalMode: ClusterCIDR
            logging:
              format: text
              verbosity: 3
              vmodule: [{filePattern: proxier, verbosity: 5}]
              options: {json: {splitStream: true, infoBufferSize: 64Ki}}
            windowsRunAsService: false
            winkernel: {networkName: l2bridge, enableDSR: true}
            """);

        Assert.Equal("10.244.0.0/16,fd00:244::/48", config.ClusterCIDR);
        Assert.Equal("/var/lib/kube-proxy/kubeconfig.conf", config.ClientConnection.Kubeconfig);
        Assert.Equal(50, config.ClientConnection.Qps);
        Assert.True(config.Iptables.MasqueradeAll);
        Assert.Equal(15, config.Iptables.MasqueradeBit);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Iptables.MinSyncPeriod);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Iptables.SyncPeriod);
        Assert.Equal("wrr", config.Ipvs.Scheduler);
        Assert.Equal(["10.0.0.0/8"], config.Ipvs.ExcludeCIDRs);
        Assert.Equal(32768, config.Conntrack.MaxPerCore);
        Assert.Equal(["192.0.2.0/24", "2001:db8::/64"], config.NodePortAddresses);
        Assert.True(config.FeatureGates["SomeGate"]);
        Assert.Equal(3, config.Logging.Verbosity);
        Assert.Equal(("proxier", 5), (config.Logging.Vmodule[0].FilePattern, config.Logging.Vmodule[0].Verbosity));
        Assert.True(config.Logging.Options.Json.SplitStream);
        Assert.Equal("64Ki", config.Logging.Options.Json.InfoBufferSize);
        Assert.Equal("l2bridge", config.Winkernel.NetworkName);
        Assert.True(config.Winkernel.EnableDSR);
    }

    /// <summary>One row per rule of <see cref="ConfigurationValidator"/>, then the reader's own errors (with their line).</summary>
    [Theory]
    [InlineData("kind: KubeProxyConfiguration\n", "c.yaml: apiVersion: must be kubeproxy.config.k8s.io/v1alpha1, not \"\"")]
    [InlineData("apiVersion: v1\nkind: KubeProxyConfiguration\n", "c.yaml: apiVersion: must be kubeproxy.config.k8s.io/v1alpha1, not \"v1\"")]
    [InlineData("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: Foo\n", "c.yaml: kind: must be KubeProxyConfiguration, not \"Foo\"")]
    [InlineData(Header + "mode: userspace", "c.yaml: mode: \"userspace\" is not one of iptables, nftables, ipvs")]
    [InlineData(Header + "iptables: {masqueradeBit: 32}", "c.yaml: iptables.masqueradeBit: 32 must be in [0, 31]")]
    [InlineData(Header + "mode: ipvs\niptables: {masqueradeBit: -1}", "c.yaml: iptables.masqueradeBit: -1 must be in [0, 31]")]
    [InlineData(Header + "mode: nftables\nnftables: {masqueradeBit: 32}", "c.yaml: nftables.masqueradeBit: 32 must be in [0, 31]")]
    [InlineData(Header + "iptables: {syncPeriod: -1s}", "c.yaml: iptables.syncPeriod: -1s must be greater than 0")]
    [InlineData(Header + "iptables: {minSyncPeriod: -1s}", "c.yaml: iptables.minSyncPeriod: -1s must not be negative")]
    [InlineData(Header + "iptables: {syncPeriod: 1s, minSyncPeriod: 2s}", "c.yaml: iptables.syncPeriod: 1s must be greater than or equal to iptables.minSyncPeriod (2s)")]
    [InlineData(Header + "mode: nftables\nnftables: {syncPeriod: -1s}", "c.yaml: nftables.syncPeriod: -1s must be greater than 0")]
    [InlineData(Header + "mode: nftables\nnftables: {minSyncPeriod: -1s}", "c.yaml: nftables.minSyncPeriod: -1s must not be negative")]
    [InlineData(Header + "mode: nftables\nnftables: {syncPeriod: 1s, minSyncPeriod: 1m}", "c.yaml: nftables.syncPeriod: 1s must be greater than or equal to nftables.minSyncPeriod (1m0s)")]
    [InlineData(Header + "mode: ipvs\nipvs: {syncPeriod: -30s}", "c.yaml: ipvs.syncPeriod: -30s must be greater than 0")]
    [InlineData(Header + "mode: ipvs\nipvs: {minSyncPeriod: -1s}", "c.yaml: ipvs.minSyncPeriod: -1s must not be negative")]
    [InlineData(Header + "mode: ipvs\nipvs: {syncPeriod: 5s, minSyncPeriod: 10s}", "c.yaml: ipvs.syncPeriod: 5s must be greater than or equal to ipvs.minSyncPeriod (10s)")]
    [InlineData(Header + "mode: ipvs\nipvs: {tcpTimeout: -1s}", "c.yaml: ipvs.tcpTimeout: -1s must not be negative")]
    [InlineData(Header + "mode: ipvs\nipvs: {tcpFinTimeout: -1s}", "c.yaml: ipvs.tcpFinTimeout: -1s must not be negative")]
    [InlineData(Header + "mode: ipvs\nipvs: {udpTimeout: -1s}", "c.yaml: ipvs.udpTimeout: -1s must not be negative")]
    [InlineData(Header + "mode: ipvs\nipvs: {excludeCIDRs: [10.0.0.0/8, nope]}", "c.yaml: ipvs.excludeCIDRs[1]: \"nope\" is not a CIDR")]
    [InlineData(Header + "mode: ipvs\nipvs: {scheduler: fastest}", "c.yaml: ipvs.scheduler: \"fastest\" is not an IPVS scheduler (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf, twos)")]
    [InlineData(Header + "conntrack: {maxPerCore: -1}", "c.yaml: conntrack.maxPerCore: -1 must not be negative")]
    [InlineData(Header + "conntrack: {min: -1}", "c.yaml: conntrack.min: -1 must not be negative")]
    [InlineData(Header + "conntrack: {tcpEstablishedTimeout: -1s}", "c.yaml: conntrack.tcpEstablishedTimeout: -1s must not be negative")]
    [InlineData(Header + "conntrack: {tcpCloseWaitTimeout: -1s}", "c.yaml: conntrack.tcpCloseWaitTimeout: -1s must not be negative")]
    [InlineData(Header + "conntrack: {udpTimeout: -1s}", "c.yaml: conntrack.udpTimeout: -1s must not be negative")]
    [InlineData(Header + "conntrack: {udpStreamTimeout: -1s}", "c.yaml: conntrack.udpStreamTimeout: -1s must not be negative")]
    [InlineData(Header + "oomScoreAdj: 1001", "c.yaml: oomScoreAdj: 1001 must be in [-1000, 1000]")]
    [InlineData(Header + "clientConnection: {burst: -1}", "c.yaml: clientConnection.burst: -1 must not be negative")]
    [InlineData(Header + "configSyncPeriod: -1m", "c.yaml: configSyncPeriod: -1m0s must be greater than 0")]
    [InlineData(Header + "bindAddress: 10.10.12.11:2000", "c.yaml: bindAddress: \"10.10.12.11:2000\" is not an IP address")]
    [InlineData(Header + "healthzBindAddress: localhost", "c.yaml: healthzBindAddress: \"localhost\" is not IP:port such as 0.0.0.0:10256")]
    [InlineData(Header + "healthzBindAddress: localhost:10256", "c.yaml: healthzBindAddress: \"localhost\" is not an IP address")]
    [InlineData(Header + "healthzBindAddress: 0.0.0.0:70000", "c.yaml: healthzBindAddress: \"70000\" is not a port in [1, 65535]")]
    [InlineData(Header + "metricsBindAddress: 127.0.0.1:http", "c.yaml: metricsBindAddress: \"http\" is not a port in [1, 65535]")]
    [InlineData(Header + "portRange: 2000-300", "c.yaml: portRange: \"2000-300\" is not a port range such as 300-2000")]
    [InlineData(Header + "nodePortAddresses: [192.0.2.0/24, nope]", "c.yaml: nodePortAddresses[1]: \"nope\" is not a CIDR or \"primary\"")]
    [InlineData(Header + "nodePortAddresses: [192.0.2.0/24, primary]", "c.yaml: nodePortAddresses[1]: \"primary\" cannot be combined with CIDRs")]
    [InlineData(Header + "showHiddenMetricsForVersion: latest", "c.yaml: showHiddenMetricsForVersion: \"latest\" is not a version such as 1.31")]
    [InlineData(Header + "detectLocalMode: Magic", "c.yaml: detectLocalMode: \"Magic\" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix")]
    [InlineData(Header + "detectLocalMode: BridgeInterface", "c.yaml: detectLocal.bridgeInterface: is required when detectLocalMode is BridgeInterface")]
    [InlineData(Header + "detectLocalMode: InterfaceNamePrefix", "c.yaml: detectLocal.interfaceNamePrefix: is required when detectLocalMode is InterfaceNamePrefix")]
    [InlineData(Header + "clusterCIDR: 192.168.0.0/16,invalid", "c.yaml: clusterCIDR: \"invalid\" is not a CIDR such as 10.244.0.0/16")]
    [InlineData(Header + "clusterCIDR: 192.168.0.0/16,10.0.0.0/8", "c.yaml: clusterCIDR: at most one CIDR per IP family")]
    [InlineData(Header + "logging: {format: xml}", "c.yaml: logging.format: \"xml\" is not text or json")]
    [InlineData(Header + "logging: {verbosity: -1}", "c.yaml: logging.verbosity: -1 must not be negative")]
    [InlineData(Header + "logging: {format: json, vmodule: [{filePattern: proxier, verbosity: 4}]}", "c.yaml: logging.vmodule: is only supported with logging.format text")]
    [InlineData(Header + "logging: {vmodule: [{verbosity: 4}]}", "c.yaml: logging.vmodule[0].filePattern: must not be empty")]
    [InlineData(Header + "logging: {vmodule: [{filePattern: 'a=b', verbosity: 4}]}", "c.yaml: logging.vmodule[0].filePattern: \"a=b\" must not contain '=' or ','")]
    [InlineData(Header + "logging: {vmodule: [{filePattern: proxier, verbosity: -4}]}", "c.yaml: logging.vmodule[0].verbosity: -4 must not be negative")]
    [InlineData(Header + "logging: {options: {json: {infoBufferSize: lots}}}", "c.yaml: logging.options.json.infoBufferSize: \"lots\" is not a quantity such as 0, 512 or 64Ki")]
    // The reader's errors: values of the wrong type, at their line (unknown fields alone are read leniently: ConfigurationLimitsTests).
    [InlineData(Header + "iptables: true", "c.yaml:3: iptables: expected a mapping")]
    [InlineData(Header + "featureGates: [a]", "c.yaml:3: featureGates: expected a mapping")]
    [InlineData(Header + "featureGates: {SomeGate: yes}", "c.yaml:3: featureGates.SomeGate: expected true or false")]
    [InlineData(Header + "hostnameOverride: {a: b}", "c.yaml:3: hostnameOverride: expected a string")]
    [InlineData(Header + "nodePortAddresses: 3", "c.yaml:3: nodePortAddresses: expected a list of strings")]
    [InlineData(Header + "logging:\n  vmodule: {a: 1}", "c.yaml:4: logging.vmodule: expected a list")]
    [InlineData(Header + "logging:\n  vmodule:\n  - filePattern: x\n    verbosity: high", "c.yaml:6: logging.vmodule[0].verbosity: expected an integer")]
    [InlineData(Header + "enableProfiling: 1", "c.yaml:3: enableProfiling: expected true or false")]
    [InlineData(Header + "iptables: {masqueradeBit: lots}", "c.yaml:3: iptables.masqueradeBit: expected an integer")]
    [InlineData(Header + "oomScoreAdj: \"-999\"", "c.yaml:3: oomScoreAdj: expected an integer")]
    [InlineData(Header + "clientConnection: {qps: fast}", "c.yaml:3: clientConnection.qps: expected a number")]
    [InlineData(Header + "iptables: {syncPeriod: soon}", "c.yaml:3: iptables.syncPeriod: expected a duration such as 30s, 1m0s or 500ms")]
    [InlineData(Header + "logging: {flushFrequency: often}", "c.yaml:3: logging.flushFrequency: expected a duration such as 5s, or nanoseconds")]
    [InlineData(Header + "oomScoreAdj: [1]", "c.yaml:3: oomScoreAdj: expected a single value")]
    [InlineData("mode: [", "c.yaml:2: invalid YAML: While parsing a node, did not find expected node content.")]
    [InlineData("- a\n", "c.yaml: expected one KubeProxyConfiguration document (a mapping)")]
    public void EveryRuleNamesItsField(string yaml, string expected)
    {
        var (config, errors) = ConfigurationReader.Read("c.yaml", yaml);

        Assert.Null(config);
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void ModeSectionsAreCheckedOnlyForTheModeInUse()
    {
        // Valid upstream: a ConfigMap shared by nodes in different modes may carry another mode's odd settings.
        var config = Load(Header + "mode: iptables\nnftables: {masqueradeBit: 40, syncPeriod: -1s}\nipvs: {scheduler: fastest, excludeCIDRs: [nope], tcpTimeout: -1s}\n");

        Assert.Equal("fastest", config.Ipvs.Scheduler);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce_EachNamingItsField()
    {
        var (config, errors) = ConfigurationReader.Read("bad.yaml", Header + """
            mode: userspace
            clusterCIDR: 10.244.0.0/33
            metricsBindAddress: localhost
            iptables:
              masqueradeBit: 40
              syncPeriod: -1s
              minSyncPeriod: soon
              masqueradAll: true
            conntrack: {maxPerCore: lots}
            nodePortAddresses: [not-a-cidr]
            detectLocalMode: Magic
            logging: {format: xml}
            oomScoreAdj: 2000
            unknownTopLevel: 1
            """);

        Assert.Null(config);
        Assert.Equal(
            [
                "bad.yaml:9: iptables.minSyncPeriod: expected a duration such as 30s, 1m0s or 500ms",
                "bad.yaml:10: iptables.masqueradAll: unknown field",
                "bad.yaml:11: conntrack.maxPerCore: expected an integer",
                "bad.yaml:16: unknownTopLevel: unknown field",
                "bad.yaml: mode: \"userspace\" is not one of iptables, nftables, ipvs",
                "bad.yaml: iptables.masqueradeBit: 40 must be in [0, 31]",
                "bad.yaml: iptables.syncPeriod: -1s must be greater than 0",
                "bad.yaml: oomScoreAdj: 2000 must be in [-1000, 1000]",
                "bad.yaml: metricsBindAddress: \"localhost\" is not IP:port such as 0.0.0.0:10256",
                "bad.yaml: nodePortAddresses[0]: \"not-a-cidr\" is not a CIDR or \"primary\"",
                "bad.yaml: detectLocalMode: \"Magic\" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix",
                "bad.yaml: clusterCIDR: \"10.244.0.0/33\" is not a CIDR such as 10.244.0.0/16",
                "bad.yaml: logging.format: \"xml\" is not text or json",
            ],
            errors);
    }

    [Fact]
    public void AnInvalidFileFailsTheCommandLineWithEveryProblem()
    {
        var path = File(Header + "mode: bogus\nbogusField: 1\n");

        var (options, error) = Flags.Parse(["--config", path]);

        Assert.Null(options);
        Assert.Equal($"invalid configuration (2 problems):\n  {path}:4: bogusField: unknown field\n  {path}: mode: \"bogus\" is not one of iptables, nftables, ipvs", error);
    }

    /// <summary>
    /// upstream's precedence (options.go Complete): with --config the file's values are used; only the logging flags and
    /// --hostname-override are applied over it. Every other configuration flag is ignored (and named in a warning).
    /// </summary>
    [Theory]
    [InlineData("hostnameOverride: from-file", new[] { "--hostname-override", "From-Flag" }, "hostnameOverride", "from-flag")]
    [InlineData("hostnameOverride: from-file", new[] { "--v", "2" }, "hostnameOverride", "from-file")]
    [InlineData("logging: {format: text, verbosity: 1}", new[] { "--logging-format", "json" }, "logging.format", "json")]
    [InlineData("logging: {format: text, verbosity: 1}", new[] { "--logging-format", "json" }, "logging.verbosity", "1")]
    [InlineData("logging: {verbosity: 1}", new[] { "-v=4" }, "logging.verbosity", "4")]
    [InlineData("logging: {flushFrequency: 1s}", new[] { "--log-flush-frequency", "3s" }, "logging.flushFrequency", "3s")]
    [InlineData("logging: {}", new[] { "--vmodule", "proxier=5" }, "logging.vmodule", "proxier=5")]
    [InlineData("clusterCIDR: 10.244.0.0/16", new[] { "--cluster-cidr", "10.0.0.0/8" }, "clusterCIDR", "10.244.0.0/16")]
    [InlineData("mode: ipvs", new[] { "--proxy-mode", "nftables" }, "mode", "ipvs")]
    [InlineData("iptables: {masqueradeAll: false}", new[] { "--masquerade-all" }, "iptables.masqueradeAll", "false")]
    [InlineData("metricsBindAddress: 0.0.0.0:10249", new[] { "--metrics-bind-address", "127.0.0.1" }, "metricsBindAddress", "0.0.0.0:10249")]
    [InlineData("clientConnection: {kubeconfig: /file}", new[] { "--kubeconfig", "/flag" }, "clientConnection.kubeconfig", "/file")]
    [InlineData("featureGates: {A: true}", new[] { "--feature-gates", "B=true" }, "featureGates", "A=true")]
    [InlineData("nftables: {syncPeriod: 45s}\nmode: nftables", new[] { "--sync-period", "10s" }, "nftables.syncPeriod", "45s")]
    [InlineData("healthzBindAddress: 0.0.0.0:10256", new[] { "--healthz-port", "0" }, "healthzBindAddress", "0.0.0.0:10256")]
    public void WithAConfigFileOnlyLoggingFlagsAndHostnameOverrideApply(string fileLines, string[] flags, string field, string expected)
    {
        var path = File(Header + fileLines + "\n");

        var (options, error) = Flags.Parse(["--config", path, .. flags]);

        Assert.Null(error);
        Assert.Equal(expected, Value(options!.Config, field));
        var ignored = flags.Where(f => f.StartsWith("--", StringComparison.Ordinal)).Select(f => f[2..])
            .Where(f => Flags.All.Single(d => d.Name == f).Scope == FlagScope.Config).ToList();
        Assert.Equal(ignored, options.IgnoredFlags);
    }

    [Fact]
    public void FlagsThatMakeTheConfigurationInvalidAreRejectedWithTheRuleTheyBreak()
    {
        var (options, error) = Flags.Parse(["--proxy-mode", "nftables", "--sync-period", "10s", "--min-sync-period", "20s"]);

        Assert.Null(options);
        Assert.Equal("invalid configuration with the flags given (1 problems):\n  nftables.syncPeriod: 10s must be greater than or equal to nftables.minSyncPeriod (20s)", error);
    }

    [Fact]
    public void AnUnknownIpvsSchedulerIsRejectedByFieldAndByFlag()
    {
        var path = File(Header + "mode: ipvs\nipvs: {scheduler: fastest}\n");

        var (_, fileError) = Flags.Parse(["--config", path]);
        var (_, flagError) = Flags.Parse(["--proxy-mode", "ipvs", "--ipvs-scheduler", "fastest"]);

        Assert.Contains("ipvs.scheduler: \"fastest\" is not an IPVS scheduler", fileError);
        Assert.StartsWith("invalid value \"fastest\" for --ipvs-scheduler: not an IPVS scheduler (rr, wrr, lc,", flagError);
    }

    public static TheoryData<string, string[]> RoundTrips => new()
    {
        { RepositoryPaths.File("deploy", "kube-proxy-config.yaml"), ["--hostname-override", "node-9"] },
        { Kubeadm, [] },
        { Kubeadm, ["--v", "3", "--logging-format", "json", "--proxy-mode", "nftables"] },
    };

    /// <summary>--write-config-to writes the effective configuration (file, flags, defaults) in a form that reads back the same.</summary>
    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task WriteConfigToWritesTheEffectiveConfigurationThatReadsBackTheSame(string file, string[] flags)
    {
        var written = Path.Combine(dir, "effective.yaml");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--config", file, .. flags, "--write-config-to", written], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == 0, stderr.ToString());
        var text = System.IO.File.ReadAllText(written);
        var (reread, errors) = ConfigurationReader.Read(written, text);
        Assert.Empty(errors);
        Assert.Equal(text, ConfigurationWriter.Write(reread!));
        var (effective, _) = Flags.Parse(["--config", file, .. flags]);
        Assert.Equal(ConfigurationWriter.Write(effective!.Config), text);
    }

    [Fact]
    public void TheWrittenFileSpellsFieldsAndDurationsAsUpstream()
    {
        var text = ConfigurationWriter.Write(new KubeProxyConfiguration());

        foreach (var line in new[]
        {
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1", "kind: KubeProxyConfiguration", "healthzBindAddress: 0.0.0.0:10256",
            "  syncPeriod: 30s", "  tcpEstablishedTimeout: 24h0m0s", "configSyncPeriod: 15m0s", "  flushFrequency: 5s", "windowsRunAsService: false",
            "  forwardHealthCheckVip: false", "  localhostNodePorts: true",
        })
        {
            Assert.Contains(line + "\n", text);
        }
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(500, "500ms")]
    [InlineData(1000, "1s")]
    [InlineData(1500, "1.5s")]
    [InlineData(30_000, "30s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(900_000, "15m0s")]
    [InlineData(86_400_000, "24h0m0s")]
    [InlineData(-1000, "-1s")]
    [InlineData(-60_000, "-1m0s")]
    public void DurationsAreWrittenAsGoDoes(int milliseconds, string expected) =>
        Assert.Equal(expected, GoDurationFormat.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
