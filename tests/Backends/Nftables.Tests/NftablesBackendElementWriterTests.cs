using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Core.Backends;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Which syncs the backend offers to its element writer (partial ones only), what happens when the writer declines
/// (nft -f runs the same transaction) and when the kernel refuses its batch (a failed partial sync: the next is full).
/// </summary>
public class NftablesBackendElementWriterTests
{
    private readonly FakeNft nft = new();
    private readonly RecordingWriter writer = new();
    private readonly NftablesBackend backend;

    public NftablesBackendElementWriterTests() => backend = new NftablesBackend(nft, new NftablesOptions(), NullLogger<NftablesBackend>.Instance, writer);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FullSyncsGoToNft_AnElementOnlyPartialSyncToTheWriter()
    {
        var services = Many(10);
        await backend.SyncAsync(States(services), full: true, Ct);
        Assert.Empty(writer.Offered);
        var fullSyncs = nft.Payloads.Count;

        services[4] = Service(4, 1, 2, 4);
        var result = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(result.Full);
        var offered = Assert.Single(writer.Offered);
        Assert.Contains("add element ip kube-proxy cluster-endpoints-3 { 10.96.0.5 . tcp . 80 . 2", offered, StringComparison.Ordinal);
        Assert.Equal(fullSyncs, nft.Payloads.Count);
    }

    [Fact]
    public async Task WhatTheWriterDeclinesNftApplies()
    {
        var services = Many(10);
        await backend.SyncAsync(States(services), full: true, Ct);
        writer.Accept = false;

        services[4] = Service(4, 1, 2, 4);
        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.Equal(writer.Offered.Single(), nft.Payloads.Last());
    }

    [Fact]
    public async Task ARefusedBatchIsAFailedPartialSync_AndTheNextSyncIsFull()
    {
        var services = Many(10);
        await backend.SyncAsync(States(services), full: true, Ct);
        writer.Refuse = true;

        services[4] = Service(4, 1, 2, 4);
        var failure = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States(services), full: false, Ct));
        writer.Refuse = false;
        var next = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.True(failure.PartialSync);
        Assert.Contains("hairpin-endpoints", failure.Message, StringComparison.Ordinal);
        Assert.True(next.Full);
    }

    private sealed class RecordingWriter : INftElementWriter
    {
        public List<string> Offered { get; } = [];

        public bool Accept { get; set; } = true;

        public bool Refuse { get; set; }

        public Task<bool> TryApplyAsync(NftTransaction transaction, Func<string, NftSet?> setOf, CancellationToken cancellationToken)
        {
            Offered.Add(transaction.ToString());
            Assert.NotNull(setOf(NftNames.Hairpin));
            if (Refuse)
            {
                throw new NftElementsRefusedException("the kernel refused delete element ip kube-proxy hairpin-endpoints: errno 2", new InvalidOperationException());
            }
            return Task.FromResult(Accept);
        }
    }
}
