using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

public class IptablesBackendTests
{
    private readonly FakeIptables kernel = new();
    private readonly FakeSysctl sysctl = new(ipvs: false);
    private readonly IptablesBackend backend;

    public IptablesBackendTests() => backend = new IptablesBackend(kernel, sysctl, new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    private static readonly LocalTrafficDetector Detector = LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("10.244.0.0/16"));

    private static ServicePort Service(int i, params int[] endpointHosts) => new(
        new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp),
        IPAddress.Parse($"10.96.{i / 250}.{(i % 250) + 1}"),
        80)
    {
        NodePort = i % 10 == 0 ? 30000 + i : 0,
        ClusterEndpoints = endpointHosts.Select(h => new Endpoint(IPAddress.Parse($"10.244.{i / 250}.{h}"), 8080, false)).Order().ToEquatableArray(),
        Internal = TrafficRoute.Cluster with { Masquerade = MasqueradeRule.OffCluster },
    };

    private static IReadOnlyList<ProxyState> States(IEnumerable<ServicePort> services, NodePortAddresses? nodePorts = null) =>
        [ProxyState.Create(IpFamily.IPv4, new NodeNetwork(Detector, nodePorts ?? NodePortAddresses.AllLocalAddresses(loopback: false)), services), ProxyState.Empty(IpFamily.IPv6)];

    private static List<ServicePort> Hundred() => [.. Enumerable.Range(0, 100).Select(i => Service(i, 1, 2, 3))];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChangingOneEndpointOfOneServiceAmongAHundredWritesOnlyThatServicesChains()
    {
        var services = Hundred();
        var first = await backend.SyncAsync(States(services), full: true, Ct);
        Assert.True(first.Full);
        Assert.Equal(100, first.ChangedServicePorts);
        var v4 = Assert.Single(first.Families);
        Assert.Equal(new FamilySync(IpFamily.IPv4, Full: true) { RulesByTable = v4.RulesByTable, RulesWrittenByTable = v4.RulesWrittenByTable }, v4);
        Assert.Equal(["filter", "nat"], v4.RulesByTable.Keys.Order(StringComparer.Ordinal));
        Assert.True(v4.RulesByTable["nat"] > 100);

        services[42] = Service(42, 1, 2, 4);
        var second = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(second.Full);
        Assert.Equal(1, second.ChangedServicePorts);
        var payload = kernel.Payloads[^1];
        // kubeproxy_sync_proxy_rules_iptables_last: what this sync wrote per table, here only the one service's nat rules.
        var written = new Dictionary<string, int> { ["filter"] = 0, ["nat"] = payload.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)) };
        Assert.Equal(new FamilySync(IpFamily.IPv4, Full: false) { RulesByTable = v4.RulesByTable, RulesWrittenByTable = written.ToImmutableDictionary() }, Assert.Single(second.Families));
        Assert.True(v4.RulesWrittenByTable["nat"] > written["nat"]);
        var svc = ChainNames.Service(services[42].Name);
        var removed = ChainNames.Endpoint(services[42].Name, new Endpoint(IPAddress.Parse("10.244.0.3"), 8080, false));
        var added = ChainNames.Endpoint(services[42].Name, new Endpoint(IPAddress.Parse("10.244.0.4"), 8080, false));
        Assert.Equal(
            ["*nat", $":{svc} - [0:0]", $":{added} - [0:0]", $":{removed} - [0:0]"],
            payload.Split('\n').Where(l => l.StartsWith('*') || l.StartsWith(':')));
        Assert.Contains($"-X {removed}", payload);
        Assert.DoesNotContain("svc041", payload);
        Assert.DoesNotContain("KUBE-SERVICES", payload);
        Assert.DoesNotContain(removed, kernel.Chains("nat"));
        Assert.Contains(added, kernel.Chains("nat"));
    }

    /// <summary>As upstream: every failure is a restore failure; a partial sync's is also a partial restore failure.</summary>
    [Fact]
    public async Task AFailedRestoreCountsAsUpstreamCountsIt()
    {
        kernel.FailNextRestore = true;
        var full = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States(Hundred()), full: true, Ct));
        Assert.Equal([BackendMetric.IptablesRestoreFailures], backend.FailureCounters(full));

        await backend.SyncAsync(States(Hundred()), full: true, Ct);
        kernel.FailNextRestore = true;
        var partial = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States([.. Hundred().Take(99)]), full: false, Ct));
        Assert.Equal([BackendMetric.IptablesRestoreFailures, BackendMetric.IptablesPartialRestoreFailures], backend.FailureCounters(partial));
    }

    [Fact]
    public void RouteLocalnetIsANodeSettingOnlyWhenNodePortsAnswerOnLoopback()
    {
        Assert.Empty(backend.NodeSettings(States(Hundred())));
        var setting = Assert.Single(backend.NodeSettings(States(Hundred(), NodePortAddresses.AllLocalAddresses(loopback: true))));
        Assert.Equal(("net/ipv4/conf/all/route_localnet", "1"), (setting.Path, setting.Value));
    }

    [Fact]
    public async Task AnUnchangedStateWritesNothing()
    {
        await backend.SyncAsync(States(Hundred()), full: true, Ct);
        var restores = kernel.Payloads.Count;

        var result = await backend.SyncAsync(States(Hundred()), full: false, Ct);

        Assert.Equal(restores, kernel.Payloads.Count);
        Assert.Equal(0, result.ChangedServicePorts);
    }

    [Fact]
    public async Task ADeletedServicesChainsGoInTheSamePayloadThatStopsJumpingToThem()
    {
        var services = Hundred();
        await backend.SyncAsync(States(services), full: true, Ct);
        var gone = services[10];
        services.RemoveAt(10);

        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.DoesNotContain(ChainNames.Service(gone.Name), kernel.Chains("nat"));
        Assert.DoesNotContain(ChainNames.External(gone.Name), kernel.Chains("nat"));
        Assert.DoesNotContain(kernel.Rules("nat", "KUBE-SERVICES"), r => r.Contains("ns/svc010", StringComparison.Ordinal));
        Assert.DoesNotContain(kernel.Rules("nat", "KUBE-NODEPORTS"), r => r.Contains("ns/svc010", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedRestoreThrowsNamingTheLine_AndTheNextSyncIsFull()
    {
        var services = Hundred();
        await backend.SyncAsync(States(services), full: true, Ct);
        var before = kernel.Dump();

        kernel.FailNextRestore = true;
        services[1] = Service(1, 9);
        var error = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States(services), full: false, Ct));
        Assert.Contains("iptables-restore exited 1: iptables-restore: line 2 failed", error.Message);
        Assert.Contains("payload line 2: :KUBE-SVC-", error.Message);
        Assert.Equal(IpFamily.IPv4, error.Family);
        Assert.True(error.PartialSync);
        Assert.Equal(before, kernel.Dump());

        var saves = kernel.Commands.Count(c => c.FileName == "iptables-save");
        var retry = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.True(retry.Full);
        Assert.True(kernel.Commands.Count(c => c.FileName == "iptables-save") > saves, "a full sync re-reads the kernel");
        Assert.Contains(kernel.Rules("nat", ChainNames.Service(services[1].Name)), r => r.Contains("10.244.0.9:8080", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFullSyncAddsTheJumpsOnceAndRemovesStaleChainsLeftInTheKernel()
    {
        await backend.SyncAsync(States(Hundred()), full: true, Ct);
        var other = new IptablesBackend(kernel, sysctl, new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

        // A restarted proxy that no longer has most services: it must find and remove their chains.
        await other.SyncAsync(States([Service(7, 1)]), full: true, Ct);

        Assert.Equal(["-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"], kernel.Rules("nat", "PREROUTING"));
        Assert.Equal(4, kernel.Rules("filter", "FORWARD").Count);
        Assert.Equal(2, kernel.Chains("nat").Count(c => c.StartsWith("KUBE-SVC-", StringComparison.Ordinal) || c.StartsWith("KUBE-SEP-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CleanupRemovesOnlyWhatWeOwn()
    {
        kernel.Seed("""
            *filter
            :DOCKER - [0:0]
            -A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT
            -A FORWARD -o docker0 -j DOCKER
            COMMIT
            *nat
            :USER-CHAIN - [0:0]
            -A USER-CHAIN -j RETURN
            -A PREROUTING -s 198.51.100.7/32 -j USER-CHAIN
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            COMMIT

            """);
        var foreign = kernel.Dump();
        await backend.SyncAsync(States(Hundred()), full: true, Ct);
        Assert.Contains("KUBE-", kernel.Dump());

        await backend.CleanupAsync(Ct);

        Assert.Equal(foreign, kernel.Dump());
    }

    [Fact]
    public async Task AFamilyWithoutItsToolsIsSkippedWhenItHasNothingToProgram_AndAnErrorWhenItHas()
    {
        var synced = await backend.SyncAsync(States(Hundred()), full: true, Ct);
        Assert.DoesNotContain(kernel.Commands, c => c.FileName.StartsWith("ip6tables", StringComparison.Ordinal) && c.ChangesKernel);
        Assert.Equal([IpFamily.IPv4], synced.Families.Select(f => f.Family));

        var v6 = ProxyState.Create(IpFamily.IPv6, NodeNetwork.Default,
            [new ServicePort(new ServicePortName("ns", "v6", "", L4Protocol.Tcp), IPAddress.Parse("fd00::10"), 80)]);
        var error = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync([States(Hundred())[0], v6], full: true, Ct));
        Assert.Contains("IPv6 has 1 service ports but ip6tables-save: not found", error.Message);
        Assert.Equal(IpFamily.IPv6, error.Family);
    }
}
