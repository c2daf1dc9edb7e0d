using System.Diagnostics;
using Proxy.Configuration;
using Proxy.Conntrack;
using Proxy.Host;
using Proxy.Tests.HealthChecks;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// The settings that are per network namespace on this kernel (the TCP and UDP timeouts, tcp_be_liberal) applied for
/// real through /proc/sys, from a thread inside a namespace of the test's own. nf_conntrack_max and the hash size are
/// global, so the configuration leaves them alone (maxPerCore 0) and the hash size must not even be read; the
/// host's values are checked unchanged afterwards.
/// </summary>
public sealed class ConntrackSettingsKernelTests : IDisposable
{
    private static readonly string[] Paths =
    [
        ConntrackSettings.TcpEstablishedTimeoutPath, ConntrackSettings.TcpCloseWaitTimeoutPath, ConntrackSettings.TcpBeLiberalPath,
        ConntrackSettings.UdpTimeoutPath, ConntrackSettings.UdpStreamTimeoutPath,
    ];

    private readonly IsolatedNetwork network = IsolatedNetwork.Create();

    public void Dispose() => network.Dispose();

    [Fact]
    public void PerNamespaceSettingsLandInTheNamespace_AndNowhereElse()
    {
        var host = Paths.ToDictionary(p => p, p => new ProcSysctl().Get(p));
        Assert.SkipWhen(host.Values.Any(v => v is null) && Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") != "1", "nf_conntrack is not loaded");
        Assert.All(host.Values, Assert.NotNull);
        // A sentinel set from outside, read from the thread: proof that /proc/sys there is the namespace's, before anything is written.
        Sysctl("-w", "net.netfilter.nf_conntrack_tcp_timeout_established=4321");
        Assert.Equal("4321", network.Run(() => new ProcSysctl().Get(ConntrackSettings.TcpEstablishedTimeoutPath)));
        var config = new ConntrackConfiguration
        {
            MaxPerCore = 0,
            TcpEstablishedTimeout = TimeSpan.FromSeconds(1234),
            TcpCloseWaitTimeout = TimeSpan.FromSeconds(567),
            TcpBeLiberal = true,
            UdpTimeout = TimeSpan.FromSeconds(45),
            UdpStreamTimeout = TimeSpan.FromSeconds(150),
        };

        var failures = network.Run(() => new ConntrackSettings(new ProcSysctl(), new UntouchableHashSize(), 2, new RecordingLogger<ConntrackSettings>()).Apply(config));

        Assert.Empty(failures);
        Assert.Equal(["1234", "567", "1", "45", "150"], Paths.Select(p => Sysctl("-n", p.Replace('/', '.')).Trim()));
        Assert.Equal(host, Paths.ToDictionary(p => p, p => new ProcSysctl().Get(p)));
    }

    private string Sysctl(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", network.Name, "sysctl", .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        return output;
    }

    /// <summary>The host's hash size: a configuration that leaves nf_conntrack_max alone must not touch it.</summary>
    private sealed class UntouchableHashSize : IConntrackHashSize
    {
        public int? Get() => throw new InvalidOperationException("the hash size was read");

        public void Set(int buckets) => throw new InvalidOperationException("the hash size was written");
    }
}
