using Proxy.Cli;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Host;
using Proxy.Reconciling;
using Proxy.Syncing;

namespace Proxy.Tests.Host;

/// <summary>--init-only: the node-level settings of the mode, decided from the model it would program before any Service.</summary>
public sealed partial class NodeSetupTests
{
    private static IReadOnlyList<KernelSetting> SettingsFor(params string[] args)
    {
        var options = Flags.Parse(args).Options!;
        using var loggers = new Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory();
        var backend = BackendFactory.Create(options, Moq.Mock.Of<ICommandRunner>(), loggers);
        var states = Reconciler.Reconcile(ClusterObjects.Empty, NodeObject.Context(NodeSettings.Named("node-1"), null), options.ReconcileOptions).States;
        return NodeSetup.For(backend, states);
    }

    [Theory]
    [InlineData(new[] { "--proxy-mode=iptables" }, new[] { "net/ipv4/conf/all/route_localnet=1" })]
    [InlineData(new[] { "--proxy-mode=iptables", "--iptables-localhost-nodeports=false" }, new string[0])]
    [InlineData(new[] { "--proxy-mode=iptables", "--nodeport-addresses=192.0.2.0/24" }, new string[0])]
    [InlineData(new[] { "--proxy-mode=iptables", "--nodeport-addresses=127.0.0.0/8" }, new[] { "net/ipv4/conf/all/route_localnet=1" })]
    [InlineData(new[] { "--proxy-mode=nftables" }, new string[0])]
    [InlineData(new[] { "--proxy-mode=ipvs" }, new[] { "net/ipv4/vs/conntrack=1", "net/ipv4/vs/expire_nodest_conn=1", "net/ipv4/vs/expire_quiescent_template=1", "net/ipv4/ip_forward=1" })]
    [InlineData(new[] { "--proxy-mode=ipvs", "--ipvs-strict-arp" },
        new[] { "net/ipv4/vs/conntrack=1", "net/ipv4/vs/expire_nodest_conn=1", "net/ipv4/vs/expire_quiescent_template=1", "net/ipv4/ip_forward=1", "net/ipv4/conf/all/arp_ignore=1", "net/ipv4/conf/all/arp_announce=2" })]
    public void EachModeAsksForWhatUpstreamsProxierSetsAtStart(string[] args, string[] expected) =>
        Assert.Equal(expected, SettingsFor(args).Select(s => $"{s.Path}={s.Value}"));

    [Fact]
    public void ApplyingWritesWhatDiffersAndNothingElse()
    {
        var sysctl = new Sysctls { ["net/ipv4/vs/conntrack"] = "1", ["net/ipv4/vs/expire_nodest_conn"] = "0", ["net/ipv4/vs/expire_quiescent_template"] = "0", ["net/ipv4/ip_forward"] = "1" };

        var written = NodeSetup.Apply(sysctl, SettingsFor("--proxy-mode=ipvs"));

        Assert.Equal(["net/ipv4/vs/expire_nodest_conn", "net/ipv4/vs/expire_quiescent_template"], written.Select(s => s.Path));
        Assert.All(sysctl.Values, v => Assert.Equal("1", v));
    }

    [Fact]
    public void AMissingIpvsModuleIsAFailureThatSaysSo()
    {
        var failure = Assert.Throws<ProxySyncException>(() => NodeSetup.Apply(new Sysctls { ["net/ipv4/ip_forward"] = "1" }, SettingsFor("--proxy-mode=ipvs")));

        Assert.Equal("sysctl net/ipv4/vs/conntrack does not exist: this kernel has no IPVS (load the ip_vs module: modprobe ip_vs)", failure.Message);
    }

    /// <summary>The whole command: --init-only applies (here: prints, with --dry-run) the node settings and exits 0 without syncing anything.</summary>
    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public async Task InitOnlyStopsAfterTheNodeSettings(string mode)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--init-only", "--dry-run", "--proxy-mode", mode, "--hostname-override", "node-1"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == ProxyCommand.ExitOk, stderr.ToString());
        var expected = SettingsFor("--proxy-mode=" + mode).Select(s => $"# sysctl -w {s.Path.Replace('/', '.')}={s.Value}").ToHashSet();
        // A setting the host already has is not printed; nothing but settings is: no rules, no tables, no netlink change.
        // The conntrack settings (upstream's defaults here) come first, as they do at a start.
        Assert.All(stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.True(expected.Contains(line) || ConntrackSetting().IsMatch(line), $"not a node setting: {line}"));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^# (sysctl -w net\.netfilter\.nf_conntrack_(max|tcp_timeout_established|tcp_timeout_close_wait)=\d+|echo \d+ > /sys/module/nf_conntrack/parameters/hashsize)$")]
    private static partial System.Text.RegularExpressions.Regex ConntrackSetting();

    private sealed class Sysctls : Dictionary<string, string>, ISysctl
    {
        public string? Get(string path) => TryGetValue(path, out var value) ? value : null;

        public void Set(string path, string value) => this[path] = value;
    }
}
