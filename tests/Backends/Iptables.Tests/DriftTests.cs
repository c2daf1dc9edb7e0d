using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// A full sync that finds our rules gone or changed (someone ran iptables -F) writes them back and says so; between
/// full syncs, the canary chains tell whether a table was flushed or wiped.
/// </summary>
public class DriftTests
{
    private readonly FakeIptables kernel = new();
    private readonly IptablesBackend backend;

    public DriftTests() => backend = new IptablesBackend(kernel, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<ProxyState> States() =>
        [ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [TestModel.Port(
            new ServicePortName("ns", "web", "http", L4Protocol.Tcp), IPAddress.Parse("10.96.0.10"), 80, 30080,
            [new Endpoint(IPAddress.Parse("10.244.1.2"), 8080, false)])])];

    [Theory]
    [InlineData("-F KUBE-SERVICES")]
    [InlineData("-D PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")]
    public async Task AFlushedChainOrADeletedJumpIsRepairedAtTheNextFullSync(string tamper)
    {
        Assert.False(Assert.Single((await backend.SyncAsync(States(), full: true, Ct)).Families).RepairedDrift);
        var applied = kernel.Dump();
        Assert.False(Assert.Single((await backend.SyncAsync(States(), full: true, Ct)).Families).RepairedDrift);

        kernel.Seed($"*nat\n{tamper}\nCOMMIT\n");
        Assert.NotEqual(applied, kernel.Dump());
        var repaired = await backend.SyncAsync(States(), full: true, Ct);

        Assert.True(Assert.Single(repaired.Families).RepairedDrift);
        Assert.Equal(applied, kernel.Dump());
    }

    [Fact]
    public async Task NothingAppliedIsNoDriftAndReadsNothing()
    {
        Assert.False(await backend.DriftedAsync(Ct));
        Assert.Empty(kernel.Commands);
    }

    [Fact]
    public async Task AFullSyncCreatesTheCanariesAndTheCheckThenSeesNoDrift()
    {
        await backend.SyncAsync(States(), full: true, Ct);

        Assert.Empty(kernel.Rules("mangle", CanaryChains.Name));
        Assert.Equal([CanaryChains.Rule], kernel.Rules("nat", CanaryChains.Name));
        Assert.Equal([CanaryChains.Rule], kernel.Rules("filter", CanaryChains.Name));
        var before = kernel.Commands.Count;
        Assert.False(await backend.DriftedAsync(Ct));
        // Three listings, one per canary: never a read of a whole table.
        var asked = kernel.Commands.Skip(before).ToList();
        Assert.Equal(3, asked.Count);
        Assert.All(asked, c => Assert.Equal(["-S", CanaryChains.Name], c.Arguments.TakeLast(2)));

        // A partial sync leaves them alone.
        await backend.SyncAsync(States(), full: false, Ct);
        Assert.False(await backend.DriftedAsync(Ct));
    }

    [Theory]
    [InlineData("mangle", "-X " + CanaryChains.Name)]
    [InlineData("nat", "-F " + CanaryChains.Name)]
    [InlineData("nat", "-F " + CanaryChains.Name + "\n-X " + CanaryChains.Name)]
    [InlineData("filter", "-F " + CanaryChains.Name)]
    public async Task ACanaryDeletedOrEmptiedIsDriftThatTheNextFullSyncRepairsAndCounts(string table, string tamper)
    {
        await backend.SyncAsync(States(), full: true, Ct);
        var applied = Lines(kernel.Dump());

        kernel.Seed($"*{table}\n{tamper}\nCOMMIT\n");
        Assert.True(await backend.DriftedAsync(Ct));

        var repaired = await backend.SyncAsync(States(), full: true, Ct);
        Assert.True(Assert.Single(repaired.Families).RepairedDrift);
        // A deleted chain comes back declared after the others: the same chains and rules, in another order.
        Assert.Equal(applied, Lines(kernel.Dump()));
        Assert.False(await backend.DriftedAsync(Ct));
    }

    private static List<string> Lines(string dump) => [.. dump.Split('\n').Order(StringComparer.Ordinal)];

    [Fact]
    public async Task ABusyXtablesLockIsNoAnswerNotDrift()
    {
        await backend.SyncAsync(States(), full: true, Ct);
        kernel.Seed($"*nat\n-F {CanaryChains.Name}\nCOMMIT\n");
        kernel.LockHeld = true;

        Assert.False(await backend.DriftedAsync(Ct));

        kernel.LockHeld = false;
        Assert.True(await backend.DriftedAsync(Ct));
    }

    [Fact]
    public async Task CleanupRemovesTheCanariesOfEveryTable()
    {
        await backend.SyncAsync(States(), full: true, Ct);

        await backend.CleanupAsync(Ct);

        Assert.All(new[] { "mangle", "nat", "filter" }, t => Assert.DoesNotContain(CanaryChains.Name, kernel.Chains(t)));
    }

    [Fact]
    public async Task TheCanariesAreNotCountedAsRules()
    {
        var withCanaries = Assert.Single((await backend.SyncAsync(States(), full: true, Ct)).Families).RulesByTable;

        Assert.Equal(["filter", "nat"], withCanaries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(kernel.Rules("nat", ChainNames.Services).Count + kernel.Rules("nat", ChainNames.NodePorts).Count
            + kernel.Rules("nat", ChainNames.Postrouting).Count + kernel.Rules("nat", ChainNames.MarkMasq).Count
            + kernel.Chains("nat").Where(c => ChainNames.IsGenerated(c)).Sum(c => kernel.Rules("nat", c).Count), withCanaries["nat"]);
    }
}
