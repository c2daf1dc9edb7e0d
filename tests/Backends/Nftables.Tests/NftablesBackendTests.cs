using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The backend against the stateful fake: which transaction each sync writes, and that a change to one service writes
/// only what belongs to it (its elements, the chains and sets only it has, and shared objects whose first user came or
/// whose last went).
/// </summary>
public class NftablesBackendTests
{
    private readonly FakeNft nft = new();
    private readonly NftablesBackend backend;

    public NftablesBackendTests() => backend = new NftablesBackend(nft, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The IPv4 table's last transaction (a full sync also writes one for IPv6, after it).</summary>
    private string[] LastPayload() => nft.Payloads.Last(p => p.Contains(" ip kube-proxy", StringComparison.Ordinal)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Whether a transaction line is about <paramref name="port"/>: one of its elements (named by comment, or, in a
    /// delete, by one of its addresses or its node port), one of its own chains or sets, or a shared route chain or
    /// endpoint map (created with its first user, removed with its last).
    /// </summary>
    private static bool BelongsTo(string line, ServicePort port)
    {
        string[] mine = [port.Name.ToString(), $"{port.Name.Namespace}/{port.Name.Name}/", $"{port.ClusterIP} ", $"tcp . {port.NodePort} ",
            .. port.ExternalIPs.Concat(port.LoadBalancerIPs).Concat(port.ReachableEndpoints.Select(e => e.Address)).Select(a => $"{a} ")];
        var shared = !line.Contains(" element ", StringComparison.Ordinal) && (line.Contains("-dnat-", StringComparison.Ordinal) || line.Contains("-endpoints-", StringComparison.Ordinal));
        return shared || mine.Any(m => line.Contains(m, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangingOneEndpointOfOneServiceAmongAHundredWritesOnlyThatServicesElements()
    {
        var services = Many(100);
        var first = await backend.SyncAsync(States(services), full: true, Ct);
        Assert.True(first.Full);
        Assert.Equal([new FamilySync(IpFamily.IPv4, Full: true), new FamilySync(IpFamily.IPv6, Full: true)], first.Families);

        services[42] = Service(42, 1, 2, 4);
        var result = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(result.Full);
        Assert.Equal(1, result.ChangedServicePorts);
        Assert.Equal([new FamilySync(IpFamily.IPv4, Full: false), new FamilySync(IpFamily.IPv6, Full: false)], result.Families);
        Assert.Equal(
            [
                "delete element ip kube-proxy cluster-endpoints-3 { 10.96.0.43 . tcp . 80 . 2 }",
                "delete element ip kube-proxy hairpin-endpoints { 10.244.42.3 . 10.244.42.3 }",
                "add element ip kube-proxy cluster-endpoints-3 { 10.96.0.43 . tcp . 80 . 2 comment \"ns/svc042:http\" : 10.244.42.4 . 8080 }",
                "add element ip kube-proxy hairpin-endpoints { 10.244.42.4 . 10.244.42.4 }",
            ],
            LastPayload());
        Assert.Equal("10.96.0.43 . tcp . 80 . 2 comment \"ns/svc042:http\" : 10.244.42.4 . 8080", nft.Elements("ip", "cluster-endpoints-3")["10.96.0.43 . tcp . 80 . 2"]);
    }

    [Fact]
    public async Task NftRunsWithItsHeapOnHugePages_AndChecksNeedNone()
    {
        await backend.SyncAsync(States(Many(3)), full: true, Ct);
        await backend.SyncAsync(States(Many(3)), full: false, Ct);

        var applies = nft.Commands.Where(c => c.Arguments.Contains("-f") && !c.Arguments.Contains("-c")).ToList();
        Assert.NotEmpty(applies);
        Assert.All(applies, c => Assert.Equal([("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1")], c.Environment));
        Assert.All(nft.Commands.Where(c => c.Arguments.Contains("-c")), c => Assert.Empty(c.Environment));
    }

    [Fact]
    public async Task ANewEndpointCountBringsItsMapsAndChains_AndTheLastUserTakesThemAway()
    {
        var services = Many(100);
        await backend.SyncAsync(States(services), full: true, Ct);

        services[7] = Service(7, 1, 2, 3, 4, 5);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Contains("add map ip kube-proxy cluster-endpoints-5 { typeof ip daddr . meta l4proto . th dport . numgen random mod 5 : ip daddr . tcp dport ; }", LastPayload());
        Assert.Contains("add chain ip kube-proxy cluster-masq-offcluster-dnat-5", LastPayload());
        Assert.Contains("10.96.0.8 . tcp . 80 comment \"ns/svc007:http\" : goto cluster-masq-offcluster-dnat-5", nft.Dump());

        services[7] = Service(7, 1);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Contains("delete map ip kube-proxy cluster-endpoints-5", LastPayload());
        Assert.Contains("delete chain ip kube-proxy cluster-masq-offcluster-dnat-5", LastPayload());
        Assert.DoesNotContain("dnat-5", nft.Dump());
        Assert.Contains("goto cluster-masq-offcluster-dnat-1", nft.Dump());
    }

    [Fact]
    public async Task AServiceLosingItsEndpointsIsRejectedInsteadOfDispatched()
    {
        var services = Many(100);
        await backend.SyncAsync(States(services), full: true, Ct);

        services[0] = Service(0);
        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(nft.Elements("ip", "service-ips").ContainsKey("10.96.0.1 . tcp . 80"));
        Assert.Contains("goto reject-chain", nft.Elements("ip", "no-endpoint-services")["10.96.0.1 . tcp . 80"]);
        Assert.Contains("goto reject-chain", nft.Elements("ip", "no-endpoint-nodeports")["tcp . 30000"]);
        Assert.True(nft.Elements("ip", "cluster-ips").ContainsKey("10.96.0.1"), "the cluster IP is still guarded");
    }

    [Fact]
    public async Task ChangingOneServicesPolicy_WritesOnlyItsElementsAndTheSharedObjectsItIsFirstToUse()
    {
        var services = Many(100);
        await backend.SyncAsync(States(services), full: true, Ct);

        services[20] = LocalLoadBalancer(services[20]);
        var toLocal = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(toLocal.Full);
        var lines = LastPayload();
        Assert.All(lines, l => Assert.True(BelongsTo(l, services[20]), l));
        Assert.Contains("add element ip kube-proxy service-ips { "
            + "198.51.100.21 . tcp . 80 comment \"ns/svc020:http\" : goto external-ips, 203.0.113.21 . tcp . 80 comment \"ns/svc020:http\" : goto external-ips }", lines);
        Assert.Contains("delete element ip kube-proxy service-nodeports { tcp . 30020 }", lines);
        Assert.Contains("goto local-dnat-1", nft.Elements("ip", "external-ips-policy")["203.0.113.21 . tcp . 80"]);
        Assert.Contains("goto cluster-dnat-3", nft.Elements("ip", "external-ips-from-pods")["203.0.113.21 . tcp . 80"]);
        Assert.Contains("goto cluster-masq-dnat-3", nft.Elements("ip", "external-ips-from-node")["203.0.113.21 . tcp . 80"]);
        Assert.Contains("goto nodeport-local-dnat-1", nft.Elements("ip", "external-nodeports-policy")["tcp . 30020"]);
        Assert.True(nft.Elements("ip", "firewall-allow").ContainsKey("203.0.113.21 . tcp . 80 . 192.0.2.0/24"));

        // Its local endpoint goes: external traffic from outside is dropped, while pods and the node still short-circuit.
        var before = services[20];
        services[20] = LocalLoadBalancer(Service(20, 2, 3));
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.All(LastPayload(), l => Assert.True(BelongsTo(l, before) || BelongsTo(l, services[20]), l));
        Assert.Equal("203.0.113.21 . tcp . 80 comment \"ns/svc020:http\" : drop", nft.Elements("ip", "no-endpoint-services")["203.0.113.21 . tcp . 80"]);
        Assert.False(nft.Elements("ip", "external-ips-policy").ContainsKey("203.0.113.21 . tcp . 80"));
        Assert.Contains("goto cluster-dnat-2", nft.Elements("ip", "external-ips-from-pods")["203.0.113.21 . tcp . 80"]);
        Assert.DoesNotContain("local-dnat-1", nft.Dump());
    }

    [Fact]
    public async Task ChangingAnAffinityServicesEndpoints_RewritesOnlyItsChain_AndKeepsTheMemoriesOfTheEndpointsThatStay()
    {
        var services = Many(100);
        services[5] = WithAffinity(services[5]);
        services[6] = WithAffinity(services[6]);
        await backend.SyncAsync(States(services), full: true, Ct);
        var chain = NftNames.AffinityChain(services[5].Name, new NftRoute(EndpointSetKind.Cluster, MasqueradeRule.None));
        var kept = NftNames.AffinitySet(services[5].Name, services[5].ClusterEndpoints[0]);
        var gone = NftNames.AffinitySet(services[5].Name, services[5].ClusterEndpoints[2]);

        services[5] = WithAffinity(Service(5, 1, 2, 4));
        await backend.SyncAsync(States(services), full: false, Ct);

        var lines = LastPayload();
        Assert.All(lines, l => Assert.True(BelongsTo(l, services[5]) || l.Contains("10.244.5.3 ", StringComparison.Ordinal), l));
        Assert.Contains($"flush chain ip kube-proxy {chain}", lines);
        Assert.Contains($"delete set ip kube-proxy {gone}", lines);
        Assert.Contains(lines, l => l.StartsWith("add set ip kube-proxy affinity-", StringComparison.Ordinal) && l.Contains("__10.244.5.4/8080", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(kept, StringComparison.Ordinal) && !l.StartsWith("add rule", StringComparison.Ordinal));
        Assert.Equal(
            ["delete element ip kube-proxy hairpin-endpoints { 10.244.5.3 . 10.244.5.3 }", "add element ip kube-proxy hairpin-endpoints { 10.244.5.4 . 10.244.5.4 }"],
            lines.Where(l => l.Contains(" element ", StringComparison.Ordinal)));

        // A new timeout is a new definition: nft cannot change it in place, so the memories start over.
        services[5] = WithAffinity(services[5], seconds: 60);
        await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Contains($"delete set ip kube-proxy {kept}", LastPayload());
        Assert.Contains($"add set ip kube-proxy {kept} {{ type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }}", LastPayload());
    }

    [Fact]
    public async Task TurningAffinityOff_RemovesTheServicesChainsAndSets_AndSendsItToTheSharedChains()
    {
        var services = Many(100);
        services[30] = WithAffinity(services[30]);
        await backend.SyncAsync(States(services), full: true, Ct);
        Assert.Contains("affinity-", nft.Dump());

        services[30] = Service(30, 1, 2, 3);
        await backend.SyncAsync(States(services), full: false, Ct);

        Assert.DoesNotContain("affinity-", nft.Dump());
        Assert.DoesNotContain("svc030/tcp", nft.Dump());
        Assert.Equal("10.96.0.31 . tcp . 80 comment \"ns/svc030:http\" : goto cluster-masq-offcluster-dnat-3", nft.Elements("ip", "service-ips")["10.96.0.31 . tcp . 80"]);
        Assert.Contains("tcp . 30030 comment \"ns/svc030:http\" : goto nodeport-cluster-masq-dnat-3", nft.Elements("ip", "service-nodeports")["tcp . 30030"]);
    }

    [Fact]
    public async Task AForcedFullSyncOverAKnownTableRewritesItInPlace_KeepingAffinityMemories()
    {
        var services = Many(100);
        services[5] = WithAffinity(services[5]);
        await backend.SyncAsync(States(services), full: true, Ct);
        var memory = NftNames.AffinitySet(services[5].Name, services[5].ClusterEndpoints[0]);
        await nft.RunAsync(Proxy.Core.Exec.Command.Write("nft", $"add element ip kube-proxy {memory} {{ 10.244.99.1 }}\n", "-f", "-"), Ct);

        var resync = await backend.SyncAsync(States(services), full: true, Ct);

        Assert.True(resync.Full);
        var lines = LastPayload();
        Assert.Equal(["add table ip kube-proxy { comment \"rules for kube-proxy-sharp\" ; }", "flush table ip kube-proxy"], lines[..2]);
        Assert.DoesNotContain("delete table ip kube-proxy", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("flush set", StringComparison.Ordinal) && l.Contains("affinity-", StringComparison.Ordinal));
        Assert.Contains("flush map ip kube-proxy service-ips", lines);
        Assert.Equal("10.244.99.1", Assert.Single(nft.Elements("ip", memory)).Key);
        Assert.Equal(100, nft.Elements("ip", "service-ips").Count);
    }

    [Fact]
    public async Task AFailedTransactionChangesNothing_AndTheNextSyncReplacesTheTable()
    {
        var services = Many(100);
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
        Assert.Contains(nft.Payloads.TakeLast(2), p => p.StartsWith("add table ip kube-proxy {", StringComparison.Ordinal) && p.Contains("delete table ip kube-proxy\n", StringComparison.Ordinal));
        Assert.Contains("10.244.3.9 . 8080", nft.Dump());
    }

    [Fact]
    public async Task ANodeWidePolicyChangeRewritesTheTable()
    {
        await backend.SyncAsync(States(Many(100)), full: true, Ct);

        var masqueradeAll = ProxyState.Create(IpFamily.IPv4, TestModel.Node(null), Many(100).Select(p => p with { Internal = p.Internal with { Masquerade = MasqueradeRule.All } }));
        var result = await backend.SyncAsync([masqueradeAll, ProxyState.Empty(IpFamily.IPv6)], full: false, Ct);

        Assert.True(result.Full);
        Assert.Contains("chain cluster-masq-dnat-3: jump mark-for-masquerade | dnat ip to", nft.Dump());
        Assert.DoesNotContain("cluster-masq-offcluster", nft.Dump());
    }

    [Fact]
    public async Task ServiceCidrsAreAGuardRail_AChangeOfThemRewritesTheTable()
    {
        await backend.SyncAsync(States(Many(100)), full: true, Ct);
        Assert.Contains("chain cluster-ips-check: ip daddr @cluster-ips reject comment \"reject traffic to invalid ports of cluster IPs\"\n", nft.Dump());

        var result = await backend.SyncAsync(States(Many(100), "10.96.0.0/16", "10.96.5.0/24"), full: false, Ct);

        Assert.True(result.Full);
        Assert.Contains("ip daddr { 10.96.0.0/16 } drop comment \"drop traffic to unallocated cluster IPs\"", nft.Dump());
    }

    [Fact]
    public async Task CleanupDeletesOurTablesOnly()
    {
        await backend.SyncAsync(States(Many(100)), full: true, Ct);
        Assert.True(nft.HasTable("ip"));

        await backend.CleanupAsync(Ct);

        Assert.False(nft.HasTable("ip"));
        Assert.False(nft.HasTable("ip6"));
        Assert.Equal("add table ip kube-proxy\ndelete table ip kube-proxy\nadd table ip6 kube-proxy\ndelete table ip6 kube-proxy\n", nft.Payloads[^1]);
    }
}
