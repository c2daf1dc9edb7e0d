using System.Net;
using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Tests.Cli;

public class FlagsTests
{
    [Fact]
    public void DefaultsAreUpstreams()
    {
        var (options, error) = Flags.Parse([]);

        Assert.Null(error);
        Assert.Equal("iptables", options!.ProxyMode);
        Assert.Equal("", options.Config.Mode);
        Assert.Null(options.ManifestsDirectory);
        Assert.Empty(options.ClusterCidrs);
        Assert.Equal("0.0.0.0:10256", options.Config.HealthzBindAddress);
        Assert.Equal("127.0.0.1:10249", options.Config.MetricsBindAddress);
        Assert.Equal(14, options.MasqueradeBit);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MinSyncPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SyncPeriod);
    }

    [Fact]
    public void ValuesCanFollowTheFlagOrAnEqualsSign()
    {
        var (options, error) = Flags.Parse(["--manifests", "/m", "--cluster-cidr=10.244.0.0/16,fd00::/48", "--once", "--dry-run=true",
            "--hostname-override", "node-1", "--iptables-sync-period=1m30s", "--min-sync-period", "500ms", "--masquerade-all", "--v=4", "--cleanup=false"]);

        Assert.Null(error);
        Assert.Equal("/m", options!.ManifestsDirectory);
        Assert.Equal([IPNetwork.Parse("10.244.0.0/16"), IPNetwork.Parse("fd00::/48")], options.ClusterCidrs);
        Assert.True(options.Once);
        Assert.True(options.DryRun);
        Assert.True(options.MasqueradeAll);
        Assert.False(options.Cleanup);
        Assert.Equal("node-1", options.HostnameOverride);
        Assert.Equal(TimeSpan.FromSeconds(90), options.SyncPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.MinSyncPeriod);
        Assert.Equal(4, options.Verbosity);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown flag: --bogus (see --help)")]
    [InlineData(new[] { "--bogus=1" }, "unknown flag: --bogus (see --help)")]
    [InlineData(new[] { "stray" }, "unexpected argument \"stray\" (flags start with --; see --help)")]
    [InlineData(new[] { "--manifests" }, "flag needs an argument: --manifests")]
    [InlineData(new[] { "--proxy-mode", "userspace" }, "invalid value \"userspace\" for --proxy-mode: unsupported proxy mode \"userspace\" (supported: iptables, nftables, ipvs)")]
    [InlineData(new[] { "--cluster-cidr", "10.0.0.0/33" }, "invalid value \"10.0.0.0/33\" for --cluster-cidr: \"10.0.0.0/33\" is not a CIDR such as 10.244.0.0/16")]
    [InlineData(new[] { "--cluster-cidr", "10.0.0.0/8,10.1.0.0/16" }, "invalid value \"10.0.0.0/8,10.1.0.0/16\" for --cluster-cidr: at most one CIDR per IP family")]
    [InlineData(new[] { "--iptables-masquerade-bit", "32" }, "invalid value \"32\" for --iptables-masquerade-bit: \"32\" is not an integer in [0, 31]")]
    [InlineData(new[] { "--iptables-sync-period", "0s" }, "invalid value \"0s\" for --iptables-sync-period: not a duration such as 1s, 500ms or 2m greater than 0")]
    [InlineData(new[] { "--iptables-min-sync-period", "soon" }, "invalid value \"soon\" for --iptables-min-sync-period: not a duration such as 1s, 500ms or 2m")]
    [InlineData(new[] { "--once=maybe" }, "invalid value \"maybe\" for --once: not a boolean (true or false)")]
    [InlineData(new[] { "--sync-period", "0s" }, "invalid value \"0s\" for --sync-period: not a duration such as 1s, 500ms or 2m greater than 0")]
    [InlineData(new[] { "--ipvs-sync-period", "-1s" }, "invalid value \"-1s\" for --ipvs-sync-period: not a duration such as 1s, 500ms or 2m greater than 0")]
    [InlineData(new[] { "--healthz-bind-address", "localhost" }, "invalid value \"localhost\" for --healthz-bind-address: not IP or IP:PORT such as 0.0.0.0:10256")]
    [InlineData(new[] { "--metrics-bind-address", "127.0.0.1:0" }, "invalid value \"127.0.0.1:0\" for --metrics-bind-address: not IP or IP:PORT such as 0.0.0.0:10249")]
    public void BadInputIsOneLineNamingTheFlag(string[] args, string expected)
    {
        var (options, error) = Flags.Parse(args);

        Assert.Null(options);
        Assert.Equal(expected, error);
    }

    /// <summary>
    /// (flags, mode) → the periods the sync loop gets. upstream (options.go, processV1Alpha1Flags): --iptables-* apply
    /// in every mode but ipvs, --ipvs-* only in ipvs; --sync-period and --min-sync-period, ours, in every mode.
    /// </summary>
    [Theory]
    [InlineData(new string[0], "iptables", "1s", "30s")]
    [InlineData(new string[0], "nftables", "1s", "30s")]
    [InlineData(new string[0], "ipvs", "0s", "30s")]
    [InlineData(new[] { "--sync-period", "10s" }, "iptables", "1s", "10s")]
    [InlineData(new[] { "--sync-period", "10s" }, "nftables", "1s", "10s")]
    [InlineData(new[] { "--sync-period", "10s" }, "ipvs", "0s", "10s")]
    [InlineData(new[] { "--min-sync-period", "5s" }, "iptables", "5s", "30s")]
    [InlineData(new[] { "--min-sync-period", "5s" }, "nftables", "5s", "30s")]
    [InlineData(new[] { "--min-sync-period", "5s" }, "ipvs", "5s", "30s")]
    [InlineData(new[] { "--iptables-sync-period", "10s", "--iptables-min-sync-period", "2s" }, "iptables", "2s", "10s")]
    [InlineData(new[] { "--iptables-sync-period", "10s", "--iptables-min-sync-period", "2s" }, "nftables", "2s", "10s")]
    [InlineData(new[] { "--iptables-sync-period", "10s", "--iptables-min-sync-period", "2s" }, "ipvs", "0s", "30s")]
    [InlineData(new[] { "--ipvs-sync-period", "10s", "--ipvs-min-sync-period", "2s" }, "iptables", "1s", "30s")]
    [InlineData(new[] { "--ipvs-sync-period", "10s", "--ipvs-min-sync-period", "2s" }, "nftables", "1s", "30s")]
    [InlineData(new[] { "--ipvs-sync-period", "10s", "--ipvs-min-sync-period", "2s" }, "ipvs", "2s", "10s")]
    [InlineData(new[] { "--iptables-sync-period", "20s", "--sync-period", "10s" }, "nftables", "1s", "10s")]
    [InlineData(new[] { "--sync-period", "10s", "--iptables-sync-period", "20s" }, "nftables", "1s", "20s")]
    [InlineData(new[] { "--sync-period", "10s", "--ipvs-sync-period", "20s" }, "nftables", "1s", "10s")]
    public void SyncPeriodFlagsApplyToTheModeInUse(string[] flags, string mode, string min, string sync)
    {
        // The mode comes last: the periods follow it wherever it is given.
        var (options, error) = Flags.Parse([.. flags, "--proxy-mode", mode]);

        Assert.Null(error);
        Assert.Equal((min, sync), (GoDurationFormat.Format(options!.MinSyncPeriod), GoDurationFormat.Format(options.SyncPeriod)));
        // Written where the mode reads them, so --write-config-to and /configz show them too.
        ISyncPeriods section = mode switch { "nftables" => options.Config.Nftables, "ipvs" => options.Config.Ipvs, _ => options.Config.Iptables };
        Assert.Equal((options.MinSyncPeriod, options.SyncPeriod), (section.MinSyncPeriod, section.SyncPeriod));
    }

    [Fact]
    public void AMinimumAboveTheSyncPeriodIsRejectedAfterAllFlags()
    {
        var (options, error) = Flags.Parse(["--min-sync-period", "1m"]);

        Assert.Null(options);
        Assert.Equal("invalid configuration with the flags given (1 problems):\n  iptables.syncPeriod: 30s must be greater than or equal to iptables.minSyncPeriod (1m0s)", error);
    }

    [Theory]
    [InlineData("--healthz-bind-address", "0.0.0.0", "0.0.0.0:10256")]
    [InlineData("--healthz-bind-address", "::", "[::]:10256")]
    [InlineData("--healthz-bind-address", "[::1]:8080", "[::1]:8080")]
    [InlineData("--metrics-bind-address", "0.0.0.0", "0.0.0.0:10249")]
    [InlineData("--metrics-bind-address", "", "")]
    public void BindAddressFlagsTakeAnIpAloneAndAddTheDefaultPort(string flag, string value, string expected)
    {
        var (options, error) = Flags.Parse([$"{flag}={value}"]);

        Assert.Null(error);
        Assert.Equal(expected, flag.Contains("healthz", StringComparison.Ordinal) ? options!.Config.HealthzBindAddress : options!.Config.MetricsBindAddress);
    }

    [Fact]
    public void HelpListsEveryFlagButTheDeprecatedOnesWithItsDefaultAndStatus()
    {
        var help = FlagDocs.HelpText();

        foreach (var flag in Flags.All)
        {
            Assert.Equal(!flag.Deprecated, help.Contains($"--{flag.Name} ", StringComparison.Ordinal) || help.Contains($"--{flag.Name}\n", StringComparison.Ordinal));
        }
        Assert.Contains("(default iptables)", help);
        Assert.Contains("(default 30s)", help);
        Assert.Contains("  -v, --v N ", help);
        Assert.Matches(@"--profiling .*\[not implemented yet: ", help);
        Assert.DoesNotMatch(@"--conntrack-min N .*not implemented", help);
        Assert.DoesNotMatch(@"--nodeport-addresses CIDRS .*not implemented", help);
    }

    /// <summary>The README's flag table is the one <see cref="FlagDocs.MarkdownTable"/> makes (UPDATE_GOLDEN=1 rewrites it).</summary>
    [Fact]
    public void TheReadmesFlagTableIsTheFlagTable()
    {
        const string Begin = "<!-- flags:begin (generated from src/Proxy/Cli/FlagTable.cs by the tests: UPDATE_GOLDEN=1 dotnet test) -->\n";
        const string End = "<!-- flags:end -->";
        var path = RepositoryPaths.File("README.md");
        var readme = File.ReadAllText(path);
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no generated flag table");
        var table = FlagDocs.MarkdownTable();
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, readme[..(start + Begin.Length)] + table + readme[end..]);
            return;
        }
        Assert.Equal(table, readme[(start + Begin.Length)..end]);
    }

    [Theory]
    [InlineData("--iptables_sync_period=10s")]
    [InlineData("--iptables-sync_period", "10s")]
    [InlineData("--iptables-sync-period", "10s")]
    [InlineData("-iptables-sync-period=10s")]
    public void UnderscoresAndDashesAreInterchangeable(params string[] args)
    {
        var (options, error) = Flags.Parse(args);

        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(10), options!.SyncPeriod);
    }

    [Theory]
    [InlineData("-v2")]
    [InlineData("-v=2")]
    [InlineData("-v", "2")]
    [InlineData("--v=2")]
    [InlineData("--v=0x2")]
    public void VerbosityHasPflagsShorthandsAndGoIntegers(params string[] args)
    {
        var (options, error) = Flags.Parse(args);

        Assert.Null(error);
        Assert.Equal(2, options!.Verbosity);
    }

    /// <summary>cobra skips empty arguments (a DaemonSet's ""), and takes none after --.</summary>
    [Fact]
    public void EmptyArgumentsAreSkipped_ArgumentsAfterTheTerminatorAreNot()
    {
        Assert.Null(Flags.Parse(["", "--once", "", "--", ""]).Error);
        Assert.Equal("unexpected argument \"x\" (kube-proxy takes no arguments; see --help)", Flags.Parse(["--once", "--", "x"]).Error);
    }

    [Fact]
    public void RepeatedListsAndFeatureGatesAccumulate_OtherFlagsTakeTheLastValue()
    {
        var (options, error) = Flags.Parse(["--feature-gates=A=true,B=false", "--feature-gates", "B=true,C=t", "--nodeport-addresses=10.0.0.0/8",
            "--nodeport-addresses", "192.0.2.0/24", "--v=1", "--v=3"]);

        Assert.Null(error);
        Assert.Equal(new Dictionary<string, bool> { ["A"] = true, ["B"] = true, ["C"] = true }, options!.Config.FeatureGates);
        Assert.Equal(["10.0.0.0/8", "192.0.2.0/24"], options.Config.NodePortAddresses);
        Assert.Equal(3, options.Verbosity);
    }

    [Theory]
    [InlineData("--feature-gates=A", "invalid value \"A\" for --feature-gates: missing bool value for \"A\" (expected key=true or key=false)")]
    [InlineData("--feature-gates=A=maybe", "invalid value \"A=maybe\" for --feature-gates: invalid value of A: maybe")]
    [InlineData("--hostname-override=  ", "invalid value \"  \" for --hostname-override: empty hostname-override is invalid")]
    [InlineData("--bind-address=1", "invalid value \"1\" for --bind-address: \"1\" is not a valid IP address")]
    [InlineData("--oom-score-adj=x", "invalid value \"x\" for --oom-score-adj: \"x\" is not a 32-bit integer")]
    [InlineData("--stderrthreshold=LOUD", "invalid value \"LOUD\" for --stderrthreshold: \"LOUD\" is not a severity (INFO, WARNING, ERROR, FATAL or 0-3)")]
    [InlineData("--version=maybe", "invalid value \"maybe\" for --version: \"maybe\" is not true, false, raw or vX.Y.Z")]
    public void UpstreamsValueChecks(string arg, string expected) => Assert.Equal(expected, Flags.Parse([arg]).Error);

    [Theory]
    [InlineData(new[] { "--version" }, "true", null)]
    [InlineData(new[] { "--version=raw" }, "raw", null)]
    [InlineData(new[] { "--version=false" }, null, null)]
    [InlineData(new[] { "--version=v1.31.0-custom" }, null, "v1.31.0-custom")]
    public void VersionPrintsOrSetsTheReportedVersion(string[] args, string? print, string? reported)
    {
        var (options, error) = Flags.Parse(args);

        Assert.Null(error);
        Assert.Equal((print, reported), (options!.PrintVersion, options.VersionOverride));
    }

    /// <summary>upstream's addressFromDeprecatedFlags: 0 turns a server off; another port only completes an address that has none.</summary>
    [Theory]
    [InlineData(new[] { "--healthz-port=0" }, "", "127.0.0.1:10249")]
    [InlineData(new[] { "--metrics-port=0" }, "0.0.0.0:10256", "")]
    [InlineData(new[] { "--healthz-port=9999" }, "0.0.0.0:10256", "127.0.0.1:10249")]
    public void DeprecatedPortFlags(string[] args, string healthz, string metrics)
    {
        var (options, error) = Flags.Parse(args);

        Assert.Null(error);
        Assert.Equal((healthz, metrics), (options!.Config.HealthzBindAddress, options.Config.MetricsBindAddress));
    }

    [Fact]
    public async Task VersionPrintsOurVersionAndExits()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        Assert.Equal(ProxyCommand.ExitOk, await ProxyCommand.RunAsync(["--version"], stdout, stderr, TestContext.Current.CancellationToken));
        Assert.Matches(@"^kube-proxy-sharp v\d+\.\d+\.\d+", stdout.ToString());

        stdout.GetStringBuilder().Clear();
        Assert.Equal(ProxyCommand.ExitOk, await ProxyCommand.RunAsync(["--version=raw", "--version=v9.8.7"], stdout, stderr, TestContext.Current.CancellationToken));
        Assert.StartsWith("version.Info{Major:\"9\", Minor:\"8\", GitVersion:\"v9.8.7\"", stdout.ToString());
    }

    [Fact]
    public void NftablesModeServesNodePortsOnThePrimaryIPsUnlessTold()
    {
        Assert.True(Flags.Parse(["--proxy-mode=nftables"]).Options!.ReconcileOptions.NodePortPrimary);
        Assert.False(Flags.Parse(["--proxy-mode=nftables", "--nodeport-addresses=10.0.0.0/8"]).Options!.ReconcileOptions.NodePortPrimary);
        Assert.False(Flags.Parse(["--proxy-mode=iptables"]).Options!.ReconcileOptions.NodePortPrimary);
    }

    [Theory]
    [InlineData("1s", 1000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("250ms", 250)]
    [InlineData("2h", 7_200_000)]
    [InlineData("0", 0)]
    [InlineData("-1s", -1000)]
    [InlineData("+2s", 2000)]
    public void DurationsParseLikeGo(string text, int milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("s")]
    [InlineData("1x")]
    [InlineData("1s ")]
    public void NotDurations(string text) => Assert.False(GoDuration.TryParse(text, out _));
}
