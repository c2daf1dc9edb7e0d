using Proxy.Cli;
using Proxy.Configuration;
using Proxy.Tests.Input;

namespace Proxy.Tests.Configuration;

/// <summary>--config as upstream's loadConfig reads it (strict, then lenient for unknown fields), with the manifests' limits.</summary>
public sealed class ConfigurationLimitsTests : IDisposable
{
    private const string Header = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

    private readonly string dir = Directory.CreateTempSubdirectory("kps-config-limits-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void AnOlderKubeadmFileWithARemovedFieldLoadsWithAWarning_AsUpstream()
    {
        var path = RepositoryPaths.File("tests", "Proxy.Tests", "Configuration", "testdata", "kubeadm-v1.25-init-defaults.yaml");

        var (options, error) = Flags.Parse(["--config", path]);

        Assert.True(options is not null, error);
        Assert.Equal("/var/lib/kube-proxy/kubeconfig.conf", options.Kubeconfig);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SyncPeriod);
        Assert.Equal([$"{path}:49: udpIdleTimeout: unknown field, ignored: strict decoding failed, so the file is read leniently, as upstream reads it"], options.ConfigWarnings);
    }

    [Theory]
    [InlineData(Header + "bogus: 1", "c.yaml:3: bogus: unknown field")]
    [InlineData(Header + "iptables:\n  masqueradAll: true", "c.yaml:4: iptables.masqueradAll: unknown field")]
    [InlineData(Header + "logging:\n  options:\n    yaml: {}", "c.yaml:5: logging.options.yaml: unknown field")]
    [InlineData(Header + "resourceContainer: /kube-proxy\nudpIdleTimeout: 250ms", "c.yaml:3: resourceContainer: unknown field")]
    public void UnknownFieldsAloneAreIgnoredWithAWarningEach(string yaml, string expected)
    {
        var warnings = new List<string>();

        var (config, errors) = ConfigurationReader.Read("c.yaml", yaml + "\nmode: nftables\n", warnings);

        Assert.Empty(errors);
        Assert.Equal("nftables", config!.Mode);
        Assert.StartsWith(expected + ", ignored", warnings[0]);
        Assert.Equal(yaml.Contains("udpIdleTimeout", StringComparison.Ordinal) ? 2 : 1, warnings.Count);
    }

    [Fact]
    public void WithAWrongTypeOrAnInvalidValue_UnknownFieldsAreErrorsToo()
    {
        var warnings = new List<string>();

        var (config, errors) = ConfigurationReader.Read("c.yaml", Header + "udpIdleTimeout: 250ms\niptables: {masqueradeBit: lots}\nmode: bogus\n", warnings);

        Assert.Null(config);
        Assert.Equal(
            ["c.yaml:3: udpIdleTimeout: unknown field", "c.yaml:4: iptables.masqueradeBit: expected an integer", "c.yaml: mode: \"bogus\" is not one of iptables, nftables, ipvs"],
            errors);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData(100_000, "collections are nested more than 100 deep")]
    [InlineData(0, "aliases expand to more than 100000 nodes")]
    public void NestingAndAliasesAreLimited_AnErrorNotACrash(int depth, string expected)
    {
        var yaml = depth > 0
            ? Header + "featureGates: " + new string('[', depth) + new string(']', depth) + "\n"
            : Header + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));

        var (config, errors) = ConfigurationReader.Read("c.yaml", yaml);

        Assert.Null(config);
        Assert.Contains(expected, Assert.Single(errors));
    }

    [Fact]
    public async Task AConfigThatIsAFifoIsAnErrorAtOnce()
    {
        var fifo = Path.Combine(dir, "config.yaml");
        Fifo.Make(fifo);

        var (options, error) = await Task.Run(() => Flags.Parse(["--config", fifo]), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Null(options);
        Assert.Equal($"--config {fifo}: is a FIFO, not a regular file; not read", error);
    }

    [Fact]
    public async Task WritingTheConfigurationIntoAMissingFolderIsAClearError()
    {
        var target = Path.Combine(dir, "missing", "config.yaml");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--write-config-to", target], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ProxyCommand.ExitFailed, exit);
        Assert.StartsWith($"kube-proxy-sharp: cannot write --write-config-to {target}: Could not find a part of the path", stderr.ToString());
    }
}
