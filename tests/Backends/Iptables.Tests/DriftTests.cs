using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>A full sync that finds our rules gone or changed (someone ran iptables -F) writes them back and says so.</summary>
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
}
