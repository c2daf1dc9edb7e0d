using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using static Proxy.Backends.Testing.RefusalCluster;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>A service port whose rules nft refuses is left out; the others are programmed.</summary>
public class RefusedServicePortTests
{
    private readonly FakeNft nft = new();
    private readonly NftablesBackend backend;

    public RefusedServicePortTests() => backend = new NftablesBackend(nft, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRefusedPortIsLeftOutAndNamed_AndEveryOtherPortIsProgrammed()
    {
        nft.Refuse = "10.244.17.1";

        var result = await backend.SyncAsync(States(Forty()), full: true, Ct);

        var refused = Assert.Single(Assert.Single(result.Families).Refused);
        Assert.Equal("ns/svc017:http", refused.Name.ToString());
        Assert.Contains("syntax error", refused.Reason);
        var dump = nft.Dump();
        Assert.DoesNotContain("10.244.17.1", dump);
        Assert.All(Enumerable.Range(0, 40).Where(i => i != 17), i => Assert.Contains($"10.244.{i}.1", dump));
        Assert.NotEmpty(nft.Checks);
    }

    [Fact]
    public async Task WhenThePayloadIsRefusedWithoutAnyPort_TheSyncFailsAndThePreviousRulesStay()
    {
        await backend.SyncAsync(States(Forty()), full: true, Ct);
        var before = nft.Dump();
        nft.Refuse = "mark-for-masquerade";

        await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States([.. Forty(), Service(50)]), full: true, Ct));

        Assert.Equal(before, nft.Dump());
    }

    [Fact]
    public async Task ALostTableIsRecreatedAndReportedAsARepair()
    {
        var first = await backend.SyncAsync(States(Forty()), full: true, Ct);
        Assert.False(Assert.Single(first.Families).RepairedDrift);
        var steady = await backend.SyncAsync(States(Forty()), full: true, Ct);
        Assert.False(Assert.Single(steady.Families).RepairedDrift);

        nft.Flush();
        var repaired = await backend.SyncAsync(States(Forty()), full: true, Ct);

        Assert.True(Assert.Single(repaired.Families).RepairedDrift);
        Assert.Contains("10.244.39.1", nft.Dump());
    }
}
