using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables.Tests;

public class NftablesBackendTests
{
    private readonly FakeNft nft = new();
    private readonly NftablesBackend backend;

    public NftablesBackendTests() => backend = new NftablesBackend(nft, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServicePort Service(int i, params int[] hosts) => TestModel.Port(
        new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp),
        IPAddress.Parse($"10.96.0.{i + 1}"),
        80,
        i % 10 == 0 ? 30000 + i : 0,
        hosts.Select(h => new Endpoint(IPAddress.Parse($"10.244.{i}.{h}"), 8080, false)));

    private static IReadOnlyList<ProxyState> States(IEnumerable<ServicePort> services) =>
        [ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), services), ProxyState.Empty(IpFamily.IPv6)];

    private static List<ServicePort> Hundred() => [.. Enumerable.Range(0, 100).Select(i => Service(i, 1, 2, 3))];

    [Fact]
    public async Task ChangingOneEndpointOfOneServiceAmongAHundredWritesOnlyThatServicesElements()
    {
        var services = Hundred();
        var first = await backend.SyncAsync(States(services), full: true, Ct);
        Assert.True(first.Full);
        Assert.Equal([new FamilySync(IpFamily.IPv4, Full: true), new FamilySync(IpFamily.IPv6, Full: true)], first.Families);

        services[42] = Service(42, 1, 2, 4);
        var result = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(result.Full);
        Assert.Equal(1, result.ChangedServicePorts);
        Assert.Equal([new FamilySync(IpFamily.IPv4, Full: false), new FamilySync(IpFamily.IPv6, Full: false)], result.Families);
        var lines = nft.Payloads[^1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "delete element ip kube-proxy cluster-endpoints-3 { 10.96.0.43 . tcp . 80 . 2 }",
                "delete element ip kube-proxy hairpin-endpoints { 10.244.42.3 . 10.244.42.3 }",
                "add element ip kube-proxy cluster-endpoints-3 { 10.96.0.43 . tcp . 80 . 2 comment \"ns/svc042:http\" : 10.244.42.4 . 8080 }",
                "add element ip kube-proxy hairpin-endpoints { 10.244.42.4 . 10.244.42.4 }",
            ],
            lines);
        Assert.Equal("10.96.0.43 . tcp . 80 . 2 comment \"ns/svc042:http\" : 10.244.42.4 . 8080", nft.Elements("ip", "cluster-endpoints-3")["10.96.0.43 . tcp . 80 . 2"]);
    }

    [Fact]
    public async Task ANewEndpointCountBringsItsMapsAndChains_AndTheLastUserTakesThemAway()
    {
        var services = Hundred();
        await backend.SyncAsync(States(services), full: true, Ct);

        services[7] = Service(7, 1, 2, 3, 4, 5);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Contains("add map ip kube-proxy cluster-endpoints-5", nft.Payloads[^1]);
        Assert.Contains("10.96.0.8 . tcp . 80 comment \"ns/svc007:http\" : goto cluster-dnat-5", nft.Dump());

        services[7] = Service(7, 1);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Contains("delete map ip kube-proxy cluster-endpoints-5", nft.Payloads[^1]);
        Assert.DoesNotContain("cluster-dnat-5", nft.Dump());
        Assert.Contains("goto cluster-dnat-1", nft.Dump());
    }

    [Fact]
    public async Task AServiceLosingItsEndpointsIsRejectedInsteadOfDispatched()
    {
        var services = Hundred();
        await backend.SyncAsync(States(services), full: true, Ct);

        services[0] = Service(0);
        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(nft.Elements("ip", "service-ips").ContainsKey("10.96.0.1 . tcp . 80"));
        Assert.Contains("goto reject-chain", nft.Elements("ip", "no-endpoint-services")["10.96.0.1 . tcp . 80"]);
        Assert.Contains("goto reject-chain", nft.Elements("ip", "no-endpoint-nodeports")["tcp . 30000"]);
    }

    [Fact]
    public async Task AFailedTransactionChangesNothingAndTheNextSyncIsFull()
    {
        var services = Hundred();
        await backend.SyncAsync(States(services), full: true, Ct);
        var before = nft.Dump();

        nft.FailNext = true;
        services[3] = Service(3, 9);
        var error = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States(services), full: false, Ct));
        Assert.True(error.PartialSync);
        Assert.Equal(IpFamily.IPv4, error.Family);
        Assert.Contains("nft -f exited 1", error.Message);
        Assert.Equal(before, nft.Dump());

        var retry = await backend.SyncAsync(States(services), full: false, Ct);
        Assert.True(retry.Full);
        Assert.Contains(nft.Payloads.TakeLast(2), p => p.StartsWith("add table ip kube-proxy {", StringComparison.Ordinal));
        Assert.Contains("10.244.3.9 . 8080", nft.Dump());
    }

    [Fact]
    public async Task APolicyChangeRebuildsTheTable()
    {
        await backend.SyncAsync(States(Hundred()), full: true, Ct);

        var masqueradeAll = ProxyState.Create(IpFamily.IPv4, TestModel.Node(null), Hundred().Select(p => p with { Internal = p.Internal with { Masquerade = MasqueradeRule.All } }));
        var result = await backend.SyncAsync([masqueradeAll, ProxyState.Empty(IpFamily.IPv6)], full: false, Ct);

        Assert.True(result.Full);
        Assert.Contains("ip daddr . meta l4proto . th dport @cluster-ips jump mark-for-masquerade", nft.Dump());
    }

    [Fact]
    public async Task CleanupDeletesOurTablesOnly()
    {
        await backend.SyncAsync(States(Hundred()), full: true, Ct);
        Assert.True(nft.HasTable("ip"));

        await backend.CleanupAsync(Ct);

        Assert.False(nft.HasTable("ip"));
        Assert.False(nft.HasTable("ip6"));
        Assert.Equal("add table ip kube-proxy\ndelete table ip kube-proxy\nadd table ip6 kube-proxy\ndelete table ip6 kube-proxy\n", nft.Payloads[^1]);
    }
}
