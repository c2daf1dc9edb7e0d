using Microsoft.Extensions.Logging;
using Proxy.Configuration;
using Proxy.Conntrack;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// upstream's conntrack settings rules, against a kernel in memory (nf_conntrack_max and the hash size are global, so
/// they are never written for real by a test): configuration in, the writes the kernel took out. The kernel starts
/// with nf_conntrack_max 262144, hash size 65536, established 432000 s, close-wait 60 s, udp 30 s, udp stream 120 s.
/// </summary>
public class ConntrackSettingsTests
{
    private const string Max = "net/netfilter/nf_conntrack_max";
    private const string Established = "net/netfilter/nf_conntrack_tcp_timeout_established";
    private const string CloseWait = "net/netfilter/nf_conntrack_tcp_timeout_close_wait";
    private const string Liberal = "net/netfilter/nf_conntrack_tcp_be_liberal";
    private const string UdpTimeout = "net/netfilter/nf_conntrack_udp_timeout";
    private const string UdpStream = "net/netfilter/nf_conntrack_udp_timeout_stream";

    private readonly RecordingLogger<ConntrackSettings> logger = new();

    /// <summary>Upstream's defaults with every other setting off, so each row shows one rule.</summary>
    private static ConntrackConfiguration Only(Action<ConntrackConfiguration> set)
    {
        var config = new ConntrackConfiguration { MaxPerCore = 0, TcpEstablishedTimeout = TimeSpan.Zero, TcpCloseWaitTimeout = TimeSpan.Zero };
        set(config);
        return config;
    }

    public static TheoryData<string, int, Func<ConntrackConfiguration>, string[]> Rules => new()
    {
        {
            "upstream's defaults on 2 CPUs: max(2 × 32768, 131072), written although it lowers the kernel's; the two TCP timeouts",
            2, () => new ConntrackConfiguration(), [$"{Max}=131072", $"{Established}=86400", $"{CloseWait}=3600"]
        },
        { "per core × CPUs when above min", 8, () => Only(c => (c.MaxPerCore, c.Min) = (40000, 131072)), [$"{Max}=320000", "hashsize=80000"] },
        { "capped at 1048576, and the hash size raised to a quarter of that", 64, () => Only(c => (c.MaxPerCore, c.Min) = (32768, 131072)), [$"{Max}=1048576", "hashsize=262144"] },
        { "a min above the cap is capped too", 2, () => Only(c => (c.MaxPerCore, c.Min) = (1, 4_000_000)), [$"{Max}=1048576", "hashsize=262144"] },
        { "the max the kernel already has is not written", 4, () => Only(c => (c.MaxPerCore, c.Min) = (65536, 0)), [] },
        { "the hash size is never lowered", 2, () => Only(c => (c.MaxPerCore, c.Min) = (1, 131072)), [$"{Max}=131072"] },
        { "maxPerCore 0 leaves max, min and the hash size alone", 64, () => Only(c => (c.MaxPerCore, c.Min) = (0, 4_000_000)), [] },
        { "timeouts only when non-zero, in whole seconds (truncated)", 2, () => Only(c => (c.UdpTimeout, c.UdpStreamTimeout) = (TimeSpan.FromSeconds(45.9), TimeSpan.FromMinutes(3))), [$"{UdpTimeout}=45", $"{UdpStream}=180"] },
        { "a timeout the kernel already has is not written", 2, () => Only(c => c.TcpCloseWaitTimeout = TimeSpan.FromSeconds(60)), [] },
        { "tcpBeLiberal sets 1", 2, () => Only(c => c.TcpBeLiberal = true), [$"{Liberal}=1"] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void TheKernelGetsWhatUpstreamWouldWrite(string rule, int cpus, Func<ConntrackConfiguration> config, string[] writes)
    {
        var kernel = new FakeConntrackKernel();

        var failures = new ConntrackSettings(kernel, kernel, cpus, logger).Apply(config());

        Assert.True(writes.SequenceEqual(kernel.Writes), $"{rule}: wrote [{string.Join(", ", kernel.Writes)}]");
        Assert.Empty(failures);
    }

    [Fact]
    public void TheHashSizeIsRaisedEvenWhenMaxIsAlreadyRight()
    {
        var kernel = new FakeConntrackKernel { HashSize = 1000 };

        new ConntrackSettings(kernel, kernel, 4, logger).Apply(Only(c => c.MaxPerCore = 65536));

        Assert.Equal(["hashsize=65536"], kernel.Writes);
    }

    [Theory]
    [InlineData(false, "Setting sysctl")]
    [InlineData(true, "Dry run: would set sysctl")]
    public void ADryRunSaysWhatItWouldSet_NeverThatItSetsIt(bool dryRun, string opening)
    {
        var kernel = new FakeConntrackKernel();

        new ConntrackSettings(kernel, kernel, 2, logger, dryRun).Apply(Only(c => c.UdpTimeout = TimeSpan.FromSeconds(45)));

        var line = Assert.Single(logger.With(711));
        Assert.StartsWith($"{opening} {UdpTimeout} to 45 (it is 30)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TcpBeLiberalFalseNeverSetsItBackToZero()
    {
        var kernel = new FakeConntrackKernel();
        kernel.Values[Liberal] = "1";

        new ConntrackSettings(kernel, kernel, 2, logger).Apply(Only(c => c.TcpBeLiberal = false));

        Assert.Empty(kernel.Writes);
    }

    [Fact]
    public void OutsideTheInitNamespaceMaxIsReadOnly_SoItIsReportedAndTheHashSizeAndTheRestGoOn()
    {
        var kernel = new FakeConntrackKernel { HashSize = 1024 };
        kernel.ReadOnly.Add(Max);

        var failures = new ConntrackSettings(kernel, kernel, 2, logger).Apply(new ConntrackConfiguration());

        Assert.Equal([$"{Established}=86400", $"{CloseWait}=3600"], kernel.Writes);
        Assert.Equal(1024, kernel.HashSize);
        var failure = Assert.Single(failures);
        Assert.StartsWith($"cannot set {Max} to 131072 (it is 262144)", failure, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(failure, StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutNfConntrackEverySettingIsReportedAndNothingWritten()
    {
        var kernel = new FakeConntrackKernel(loaded: false);

        var failures = new ConntrackSettings(kernel, kernel, 2, logger).Apply(new ConntrackConfiguration());

        Assert.Empty(kernel.Writes);
        Assert.Equal(3, failures.Count);
        Assert.All(failures, f => Assert.Contains("does not exist (is nf_conntrack loaded?)", f, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, "0", false)]
    [InlineData(true, "0", true)]
    [InlineData(false, "1", true)]
    [InlineData(false, null, false)]
    public void ConntrackIsLiberalWhenConfiguredOrAlreadySo(bool configured, string? kernelValue, bool liberal)
    {
        var kernel = new FakeConntrackKernel();
        if (kernelValue is null)
        {
            kernel.Values.Remove(Liberal);
        }
        else
        {
            kernel.Values[Liberal] = kernelValue;
        }

        Assert.Equal(liberal, ConntrackSettings.TcpLiberal(new ConntrackConfiguration { TcpBeLiberal = configured }, kernel));
    }

    [Theory]
    [InlineData("0-3\n", 4)]
    [InlineData("0-3,8,10-11", 7)]
    [InlineData("0", 1)]
    [InlineData("", null)]
    [InlineData("3-1", null)]
    [InlineData("0-x", null)]
    public void TheHostsCpusAreCountedFromSysfssOnlineList(string list, int? cpus) => Assert.Equal(cpus, HostCpus.Parse(list));
}
