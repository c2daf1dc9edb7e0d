using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>What a sync writes at 10k services, through the stateful fake: only what changed, and nothing twice.</summary>
public class ScaleTests
{
    private const int Size = 10_000;

    private static readonly LocalTrafficDetector Detector = LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("10.128.0.0/9"));

    private readonly FakeIptables kernel = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServicePort Service(int i, int generation = 0) => new(
        new ServicePortName("ns", $"svc{i}", "http", L4Protocol.Tcp),
        IPAddress.Parse($"10.{96 + (i / 62500)}.{i / 250 % 250}.{(i % 250) + 1}"),
        80)
    {
        NodePort = i % 10 == 0 ? 30000 + (i / 10) : 0,
        ClusterEndpoints = Enumerable.Range(0, 3)
            .Select(j => new Endpoint(IPAddress.Parse($"10.{128 + (j == 0 ? generation : 0)}.{i / 250 % 250}.{(i % 250) + 1}"), 8080 + j, false))
            .Order().ToEquatableArray(),
        Internal = TrafficRoute.Cluster with { Masquerade = MasqueradeRule.OffCluster },
    };

    private static IReadOnlyList<ProxyState> States(IEnumerable<ServicePort> services) =>
        [ProxyState.Create(IpFamily.IPv4, new NodeNetwork(Detector, NodePortAddresses.AllLocalAddresses(loopback: false)), services), ProxyState.Empty(IpFamily.IPv6)];

    private IptablesBackend Backend(IptablesVariant? variant = null) => new(
        variant is { } v ? new IptablesWrapper(kernel, v, NullLogger<IptablesWrapper>.Instance) : kernel,
        new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    [Fact]
    public void PortsRenderedOnEveryCoreGiveTheRulesOfPortsRenderedOneByOne()
    {
        var state = States(Enumerable.Range(0, 3000).Select(i => Service(i)))[0];
        // Never large-cluster mode: the first renders below would have it off and the later ones on, which starts the
        // cache over.
        var options = new IptablesOptions { LargeClusterEndpoints = int.MaxValue };
        // Growing by fewer ports than the parallel threshold, each render adds its new ports in line; the last
        // render then holds every port's rules as rendered one by one.
        var inLine = new ServicePortCache();
        for (var count = 200; count <= 3000; count += 200)
        {
            IptablesRenderer.Render(state with { Services = state.Services.Take(count).ToEquatableArray() }, options, inLine);
            Assert.Equal(200, inLine.Rendered);
        }
        var oneByOne = IptablesRenderer.Render(state, options, inLine);
        Assert.Equal(0, inLine.Rendered);

        var spread = new ServicePortCache();
        var atOnce = IptablesRenderer.Render(state, options, spread);

        Assert.Equal(3000, spread.Rendered);
        Assert.Equal(oneByOne.Chains, atOnce.Chains);
        Assert.Equal(RestorePlanner.Full(oneByOne, Xtables.KernelRules.Empty, out _).ToString(), RestorePlanner.Full(atOnce, Xtables.KernelRules.Empty, out _).ToString());
    }

    [Fact]
    public async Task OneEndpointChangedAmongTenThousandServicesWritesOnlyThatServicesChains()
    {
        var services = Enumerable.Range(0, Size).Select(i => Service(i)).ToList();
        var backend = Backend();
        await backend.SyncAsync(States(services), full: true, Ct);

        services[4242] = Service(4242, generation: 1);
        var result = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.Equal(1, result.ChangedServicePorts);
        var payload = kernel.Payloads[^1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // KUBE-SVC (masquerade + 3 spreads), the new KUBE-SEP (2 rules), the old one flushed and removed.
        Assert.Equal(["*nat", $":{ChainNames.Service(services[4242].Name)} - [0:0]"], payload[..2]);
        Assert.Equal(3, payload.Count(l => l.StartsWith(':')));
        Assert.Equal(6, payload.Count(l => l.StartsWith("-A ", StringComparison.Ordinal)));
        Assert.Single(payload, l => l.StartsWith("-X ", StringComparison.Ordinal));
        Assert.All(payload.Where(l => l.StartsWith("-A ", StringComparison.Ordinal)), l => Assert.DoesNotContain("svc4241", l));
    }

    [Fact]
    public async Task AFullResyncWritesNothingTheKernelAlreadyHolds_AndRewritesAChainThatDrifted()
    {
        var services = Enumerable.Range(0, 1000).Select(i => Service(i)).ToList();
        await Backend().SyncAsync(States(services), full: true, Ct);
        var restores = kernel.Payloads.Count;

        // A restarted proxy: nothing to write.
        var resync = await Backend().SyncAsync(States(services), full: true, Ct);
        Assert.Equal(0, resync.RulesWritten);
        Assert.Equal(restores, kernel.Payloads.Count);

        // Someone deleted a rule by hand: the next full sync puts back that chain, and only it.
        var svc = ChainNames.Service(services[7].Name);
        kernel.Seed($"*nat\n-D {svc} {kernel.Rules("nat", svc)[^1]}\nCOMMIT\n");
        var repair = await Backend().SyncAsync(States(services), full: true, Ct);
        Assert.Equal(1, repair.ChangedServicePorts);
        Assert.Equal(["*nat", $":{svc} - [0:0]"], kernel.Payloads[^1].Split('\n').Where(l => l.StartsWith('*') || l.StartsWith(':')));
    }

    [Fact]
    public async Task OnTheNftBackendALargeFullSyncCommitsLeavesFirstAndDispatchLast_EndingAsOneCommitWould()
    {
        // The fake refuses a jump to a KUBE- chain that does not exist yet: every stage must find its targets.
        await SyncedAsWithoutVariantAsync(IptablesVariant.Nft);

        var sections = kernel.Payloads[0].Split("COMMIT\n", StringSplitOptions.RemoveEmptyEntries).Where(s => s.StartsWith("*nat", StringComparison.Ordinal)).ToArray();
        Assert.True(sections.Length > 2000 / IptablesBackend.NftStageChains, $"{sections.Length} COMMITs");
        Assert.All(sections[..^1], s => Assert.True(s.Split('\n').Count(l => l.StartsWith(':')) <= IptablesBackend.NftStageChains));
        var last = sections[^1];
        Assert.Contains(":KUBE-SERVICES - [0:0]", last);
        Assert.Contains(":KUBE-NODEPORTS - [0:0]", last);
        Assert.Contains("-I PREROUTING 1 ", last);
        Assert.DoesNotContain(sections[..^1], s => s.Contains("KUBE-SERVICES", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnTheLegacyBackendAFullSyncDeclaresChainsInReverseNameOrder_EndingAsTheRenderOrderWould()
    {
        // Only the declarations move: the same chains hold the same rules, and the rules come in the render's order.
        var asWritten = await SyncedAsWithoutVariantAsync(IptablesVariant.Legacy);

        string[] Lines(string payload, string prefix) => [.. payload.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];
        var tables = kernel.Payloads[0].Split("COMMIT\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["*filter", "*nat", "*mangle"], tables.Select(t => t.Split('\n')[0]));
        Assert.All(tables, t => Assert.Equal(Lines(t, ":").Order(StringComparer.Ordinal).Reverse(), Lines(t, ":")));
        Assert.True(Lines(tables[1], ":").Length > 2000, $"{Lines(tables[1], ":").Length} chains");
        Assert.NotEqual(Lines(asWritten.Payloads[0], ":"), Lines(kernel.Payloads[0], ":"));
        Assert.Equal(Lines(asWritten.Payloads[0], "-"), Lines(kernel.Payloads[0], "-"));
    }

    /// <summary>
    /// A full sync of 500 services through <paramref name="variant"/>'s wrapper into <see cref="kernel"/>, which must end
    /// with the same chains holding the same rules as the same sync without a wrapper (payload as written, one COMMIT):
    /// that sync's fake is returned, to compare payloads.
    /// </summary>
    private async Task<FakeIptables> SyncedAsWithoutVariantAsync(IptablesVariant variant)
    {
        var services = Enumerable.Range(0, 500).Select(i => Service(i)).ToList();
        var asWritten = new FakeIptables();
        await new IptablesBackend(asWritten, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance)
            .SyncAsync(States(services), full: true, Ct);

        await Backend(variant).SyncAsync(States(services), full: true, Ct);

        foreach (var table in (string[])["filter", "nat"])
        {
            Assert.Equal(asWritten.Chains(table).Order(StringComparer.Ordinal), kernel.Chains(table).Order(StringComparer.Ordinal));
            Assert.All(asWritten.Chains(table), c => Assert.Equal(asWritten.Rules(table, c), kernel.Rules(table, c)));
        }
        return asWritten;
    }
}
