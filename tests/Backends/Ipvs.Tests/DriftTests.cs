using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>
/// The drift check on the stateful fakes: after syncs it finds nothing and costs one services dump, one
/// <c>ipset list -t</c> and one <c>iptables -S</c> per table; what an operator clears or flushes is drift, and the full
/// sync that follows puts it back and counts the repair.
/// </summary>
public class DriftTests
{
    private const string Node = "192.0.2.1";
    private readonly FakeIpvsClient kernel = new();
    private readonly FakeLinks links = new();
    private readonly FakeKernelCommands commands = new();
    private readonly IpvsBackend backend;

    public DriftTests()
    {
        links.AddNodeAddress(Node);
        backend = new IpvsBackend(commands, () => kernel, links, new FakeSysctl(), new IpvsOptions(), NullLogger<IpvsBackend>.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<ProxyState> States() =>
    [
        ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"),
        [
            TestModel.Port(new ServicePortName("default", "web", "", L4Protocol.Tcp), IPAddress.Parse("10.96.0.10"), 80, 30080,
                [new Endpoint(IPAddress.Parse("10.244.1.2"), 8080, IsLocal: true)]),
            TestModel.Port(new ServicePortName("default", "db", "", L4Protocol.Tcp), IPAddress.Parse("10.96.0.11"), 5432, 0,
                [new Endpoint(IPAddress.Parse("10.244.1.9"), 5432, IsLocal: false)]),
        ]),
    ];

    [Fact]
    public async Task NothingAppliedIsNoDriftAndReadsNothing()
    {
        Assert.False(await backend.DriftedAsync(Ct));
        Assert.Empty(commands.Commands);
        Assert.Equal(0, kernel.Dumps);
    }

    [Fact]
    public async Task AfterSyncsTheCheckFindsNothingWithAFewSmallReads()
    {
        await backend.SyncAsync(States(), full: true, Ct);
        await backend.SyncAsync(States(), full: false, Ct);
        commands.Commands.Clear();
        var dumps = kernel.Dumps;

        Assert.False(await backend.DriftedAsync(Ct));

        Assert.Equal(dumps + 1, kernel.Dumps);
        Assert.Equal(["ipset list -t", "iptables -w 5 -t nat -S OUTPUT", "iptables -w 5 -t filter -S FORWARD"], commands.Commands.Select(c => c.ToString()));
    }

    public static TheoryData<string> Faults() => ["ipvsadm -C", "ipvsadm -D one", "ipset flush", "iptables -t nat -F", "iptables -t filter -F"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task WhatAnOperatorClearsIsDriftAndTheFullSyncPutsItBackAndCountsIt(string fault)
    {
        await backend.SyncAsync(States(), full: true, Ct);
        var table = kernel.Dump();
        var sets = commands.Sets.ToDictionary(s => s.Key, s => string.Join(' ', s.Value.Entries));
        var rules = commands.BuiltInRules.ToDictionary(r => r.Key, r => string.Join('|', r.Value));

        switch (fault)
        {
            case "ipvsadm -C":
                kernel.Clear();
                break;
            case "ipvsadm -D one":
                kernel.DeleteService(kernel.GetServices()[0]);
                break;
            case "ipset flush":
                commands.Sets["KUBE-CLUSTER-IP"].Entries.Clear();
                break;
            default:
                commands.FlushIptables(fault.Split(' ')[2]);
                break;
        }
        Assert.True(await backend.DriftedAsync(Ct));

        var repaired = await backend.SyncAsync(States(), full: true, Ct);

        Assert.True(Assert.Single(repaired.Families).RepairedDrift);
        Assert.Equal(table, kernel.Dump());
        Assert.Equal(sets, commands.Sets.ToDictionary(s => s.Key, s => string.Join(' ', s.Value.Entries)));
        Assert.Equal(rules, commands.BuiltInRules.ToDictionary(r => r.Key, r => string.Join('|', r.Value)));
        Assert.False(await backend.DriftedAsync(Ct));
    }

    [Fact]
    public async Task AFullSyncWithNothingLostCountsNoRepair()
    {
        await backend.SyncAsync(States(), full: true, Ct);

        var again = await backend.SyncAsync(States(), full: true, Ct);

        Assert.False(Assert.Single(again.Families).RepairedDrift);
    }
}
