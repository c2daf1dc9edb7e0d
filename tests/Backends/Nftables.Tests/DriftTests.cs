using Microsoft.Extensions.Logging.Abstractions;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The drift check on the stateful fake: one checked (never committed) deletion of our dispatch chain per family,
/// which nft refuses while our rules jump to it; nothing when nothing was applied. A lost or flushed table is drift,
/// and the full sync that follows repairs it and counts the repair.
/// </summary>
public class DriftTests
{
    private readonly FakeNft nft = new();
    private readonly NftablesBackend backend;

    public DriftTests() => backend = new NftablesBackend(nft, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NothingAppliedIsNoDriftAndAsksNothing()
    {
        Assert.False(await backend.DriftedAsync(Ct));
        Assert.Empty(nft.Checks);
    }

    [Fact]
    public async Task AfterASyncTheCheckAsksOnceAFamilyListsNothingAndFindsNoDrift()
    {
        await backend.SyncAsync(States(Many(5)), full: true, Ct);
        await backend.SyncAsync(States(Many(6)), full: false, Ct);
        var tables = nft.Dump();

        Assert.False(await backend.DriftedAsync(Ct));
        Assert.Equal(["delete chain ip kube-proxy services\n", "delete chain ip6 kube-proxy services\n"], nft.Checks);
        Assert.Equal(tables, nft.Dump());
    }

    [Theory]
    [InlineData("flush ruleset")]
    [InlineData("flush table")]
    [InlineData("delete table")]
    public async Task ALostOrFlushedTableIsDriftThatTheFullSyncRepairsAndCounts(string fault)
    {
        await backend.SyncAsync(States(Many(5)), full: true, Ct);
        var applied = nft.Dump();

        switch (fault)
        {
            case "flush ruleset":
                nft.Flush();
                break;
            case "flush table":
                nft.FlushTable("ip");
                break;
            default:
                nft.DeleteTable("ip");
                break;
        }
        Assert.NotEqual(applied, nft.Dump());
        Assert.True(await backend.DriftedAsync(Ct));

        var repaired = await backend.SyncAsync(States(Many(5)), full: true, Ct);

        Assert.True(repaired.Families.Single(f => f.Family == Proxy.Core.Model.IpFamily.IPv4).RepairedDrift);
        Assert.Equal(applied, nft.Dump());
        Assert.False(await backend.DriftedAsync(Ct));
    }
}
