using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// The canary chains in the real kernel: a sync creates them in mangle, nat and filter; the drift check finds nothing
/// after a sync and finds what an operator's flush or wipe did (the real <c>iptables</c> run in the test's namespace);
/// the full sync that follows puts back exactly what was there; --cleanup removes them.
/// </summary>
public class CanaryKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<ProxyState> States() =>
        [ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [TestModel.Port(
            new ServicePortName("ns", "web", "http", L4Protocol.Tcp), IPAddress.Parse("10.96.0.10"), 80, 30080,
            [new Endpoint(IPAddress.Parse("10.244.1.2"), 8080, false)])])];

    private static IptablesBackend Backend(KernelNamespace ns) =>
        new(new NamespaceCommandRunner(ns), new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    /// <summary>Every table as iptables-save prints it, without its comment lines (they carry the time).</summary>
    private static string Save(KernelNamespace ns) =>
        string.Join('\n', ns.Exec("iptables-save", null).Output.Split('\n').Where(l => !l.StartsWith('#')));

    private static bool CanaryExists(KernelNamespace ns, string table) =>
        ns.Exec("iptables", null, "-t", table, "-S", CanaryChains.Name).ExitCode == 0;

    [Fact]
    public async Task ASyncCreatesTheCanariesAndTheCheckFindsNoDrift()
    {
        using var ns = KernelNamespace.Create("iptables", "iptables-save", "iptables-restore");
        var backend = Backend(ns);

        await backend.SyncAsync(States(), full: true, Ct);

        Assert.All(new[] { "mangle", "nat", "filter" }, t => Assert.True(CanaryExists(ns, t), $"no canary in {t}"));
        Assert.Equal($"-N {CanaryChains.Name}\n-A {CanaryChains.Name} {CanaryChains.Rule}\n", ns.Exec("iptables", null, "-t", "nat", "-S", CanaryChains.Name).Output);
        Assert.False(await backend.DriftedAsync(Ct));
        await backend.SyncAsync(States(), full: false, Ct);
        Assert.False(await backend.DriftedAsync(Ct));
    }

    [Theory]
    [InlineData("-t nat -F")]
    [InlineData("-t filter -F")]
    [InlineData("-t nat -F;-t nat -X")]
    [InlineData("-t filter -F;-t filter -X")]
    [InlineData("-t mangle -X " + CanaryChains.Name)]
    public async Task AFlushOrAWipeIsDriftAndTheFullSyncPutsBackWhatWasThere(string commands)
    {
        using var ns = KernelNamespace.Create("iptables", "iptables-save", "iptables-restore");
        var backend = Backend(ns);
        await backend.SyncAsync(States(), full: true, Ct);
        var applied = Save(ns);

        foreach (var command in commands.Split(';'))
        {
            var (exit, _, error) = ns.Exec("iptables", null, command.Split(' '));
            Assert.True(exit == 0, $"iptables {command}: {error}");
        }
        Assert.NotEqual(applied, Save(ns));
        Assert.True(await backend.DriftedAsync(Ct));

        var repaired = await backend.SyncAsync(States(), full: true, Ct);

        Assert.True(Assert.Single(repaired.Families).RepairedDrift);
        Assert.Equal(applied, Save(ns));
        Assert.False(await backend.DriftedAsync(Ct));
    }

    [Fact]
    public async Task CleanupRemovesTheCanaries()
    {
        using var ns = KernelNamespace.Create("iptables", "iptables-save", "iptables-restore");
        var backend = Backend(ns);
        await backend.SyncAsync(States(), full: true, Ct);

        await backend.CleanupAsync(Ct);

        Assert.All(new[] { "mangle", "nat", "filter" }, t => Assert.False(CanaryExists(ns, t), $"canary left in {t}"));
    }
}
