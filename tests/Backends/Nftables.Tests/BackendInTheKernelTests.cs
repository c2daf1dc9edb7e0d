using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Exec;
using Proxy.Core.Model;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The backend against the real nft, in a namespace of its own: a run of partial syncs (endpoints, policies, affinity,
/// endpoint counts coming and going), forced resyncs and a replacement after a failure is accepted transaction by
/// transaction, and leaves exactly the table a fresh full sync of the last state builds. Affinity memories survive the
/// resync in the kernel too.
/// </summary>
public sealed class BackendInTheKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryTransactionOfARunIsAccepted_AndTheRunEndsWhereAFullSyncWould()
    {
        using var ns = KernelNamespace.Create("nft");
        var runner = new NamespaceRunner(ns);
        var backend = new NftablesBackend(runner, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var services = Many(30);
        services[5] = WithAffinity(services[5]);
        services[20] = LocalLoadBalancer(services[20]);
        services[12] = InternalLocal(services[12]);
        await backend.SyncAsync(States(services), full: true, Ct);

        List<Action<List<ServicePort>>> steps =
        [
            s => s[3] = (Service(3, 1, 2, 4)),
            s => s[10] = (LocalLoadBalancer(s[10])),          // new route chains over endpoint maps that exist
            s => s[7] = (Service(7, 1, 2, 3, 4, 5)),          // a new endpoint count
            s => s[5] = (WithAffinity(Service(5, 1, 2, 4))),   // affinity: one memory goes, one comes
            s => s[5] = (WithAffinity(s[5], seconds: 60)),     // a new timeout recreates the memories
            s => s[6] = (WithAffinity(s[6])),
            s => s[20] = (LocalLoadBalancer(Service(20, 2, 3))), // no local endpoint left
            s => s[7] = (Service(7, 1)),                       // the last user of a count
            s => s[6] = (Service(6, 1, 2, 3)),                 // affinity off
            s => s[12] = (Service(12)),                        // no endpoints at all
        ];
        foreach (var step in steps)
        {
            step(services);
            var result = await backend.SyncAsync(States(services), full: false, Ct);
            Assert.False(result.Full);
        }
        var resync = await backend.SyncAsync(States(services, "10.96.0.0/16"), full: true, Ct);
        Assert.True(resync.Full);
        Assert.DoesNotContain(runner.Payloads.TakeLast(2), p => p.Contains("delete table", StringComparison.Ordinal));

        var fresh = KernelNamespace.Create("nft");
        using (fresh)
        {
            var full = fresh.Exec("nft", NftPlanner.Full(NftRenderer.Render(States(services, "10.96.0.0/16")[0], new NftablesOptions())).ToString(), "-f", "-");
            Assert.True(full.ExitCode == 0, full.Error);
            Assert.Equal(Blocks(fresh), Blocks(ns));
        }
    }

    [Fact]
    public async Task AResyncKeepsWhatTheKernelRemembersForAffinity()
    {
        using var ns = KernelNamespace.Create("nft");
        var backend = new NftablesBackend(new NamespaceRunner(ns), new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var services = Many(3);
        services[1] = WithAffinity(services[1]);
        await backend.SyncAsync(States(services), full: true, Ct);
        var memory = NftNames.AffinitySet(services[1].Name, services[1].ClusterEndpoints[0]);
        // What a client's first connection leaves behind (the kernel adds it with the set's timeout).
        Assert.Equal(0, ns.Exec("nft", $"add element ip kube-proxy {memory} {{ 10.244.99.1 }}\n", "-f", "-").ExitCode);

        await backend.SyncAsync(States(services), full: true, Ct);
        services[1] = WithAffinity(Service(1, 1, 2));
        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.Contains("10.244.99.1", ns.Exec("nft", null, "list", "set", "ip", NftNames.Table, memory).Output);
    }

    private static List<string> Blocks(KernelNamespace ns) => TableListing.Blocks(ns.Exec("nft", null, "list", "table", "ip", NftNames.Table).Output);

    /// <summary>Runs nft inside the namespace.</summary>
    private sealed class NamespaceRunner(KernelNamespace ns) : ICommandRunner
    {
        public List<string> Payloads { get; } = [];

        public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
        {
            Payloads.Add(command.StandardInput ?? "");
            var (exitCode, output, error) = ns.Exec(command.FileName, command.StandardInput, [.. command.Arguments]);
            return Task.FromResult(new CommandResult(exitCode, output, error));
        }
    }
}
