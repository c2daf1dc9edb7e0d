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
    public void HelpListsEveryFlagWithItsDefault()
    {
        var help = Flags.HelpText();

        foreach (var flag in Flags.All)
        {
            Assert.Contains($"--{flag.Name}", help);
        }
        Assert.Contains("(default iptables)", help);
        Assert.Contains("(default 30s)", help);
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
