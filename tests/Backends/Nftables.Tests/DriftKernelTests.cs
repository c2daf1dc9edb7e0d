using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Exec;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The drift check against the real nft, in a namespace of its own: no drift after syncs; drift after what an operator
/// runs (<c>nft flush ruleset</c>, <c>nft flush table</c>, <c>nft delete table</c>), and the full sync that follows puts
/// the table back as it was.
/// </summary>
public sealed class DriftKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("flush ruleset")]
    [InlineData("flush table ip kube-proxy")]
    [InlineData("delete table ip kube-proxy")]
    public async Task WhatAnOperatorRemovesIsDriftAndTheFullSyncPutsItBack(string fault)
    {
        using var ns = KernelNamespace.Create("nft");
        var backend = new NftablesBackend(new Runner(ns), new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var services = Many(20);
        await backend.SyncAsync(States(services), full: true, Ct);
        services[3] = Service(3, 1, 2);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.False(await backend.DriftedAsync(Ct));
        var applied = Table(ns);

        var (exit, _, error) = ns.Exec("nft", null, fault.Split(' '));
        Assert.True(exit == 0, $"nft {fault}: {error}");
        Assert.NotEqual(applied, Table(ns));
        Assert.True(await backend.DriftedAsync(Ct));

        var repaired = await backend.SyncAsync(States(services), full: true, Ct);

        Assert.True(repaired.Families.Single(f => f.Family == Core.Model.IpFamily.IPv4).RepairedDrift);
        Assert.Equal(applied, Table(ns));
        Assert.False(await backend.DriftedAsync(Ct));
    }

    /// <summary>Our IPv4 table's objects, none when it is gone.</summary>
    private static List<string> Table(KernelNamespace ns)
    {
        var (exit, output, _) = ns.Exec("nft", null, "list", "table", "ip", NftNames.Table);
        return exit == 0 ? TableListing.Blocks(output) : [];
    }

    /// <summary>Runs nft inside the namespace.</summary>
    private sealed class Runner(KernelNamespace ns) : ICommandRunner
    {
        public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
        {
            var (exitCode, output, error) = ns.Exec(command.FileName, command.StandardInput, [.. command.Arguments]);
            return Task.FromResult(new CommandResult(exitCode, output, error));
        }
    }
}
