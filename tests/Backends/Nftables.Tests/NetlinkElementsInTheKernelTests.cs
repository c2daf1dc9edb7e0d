using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using Proxy.Netlink;
using Proxy.Testing.FakeApi;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Element-only partial syncs written as one nfnetlink batch leave the kernel exactly where <c>nft -f</c> of the same
/// transaction does: two namespaces, one backend with the netlink writer, one without, the same run of changes over
/// IPv4 and IPv6 (every map and set kind the renderer fills, comments included), and <c>nft list table</c> compared
/// after each step. A batch the kernel refuses changes nothing and fails the partial sync.
/// </summary>
public sealed class NetlinkElementsInTheKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryStepThroughNetlinkListsTheSameTableAsThroughNft()
    {
        using var viaNetlink = KernelNamespace.Create("nft");
        using var viaNft = KernelNamespace.Create("nft");
        var writer = new CountingWriter(Writer(viaNetlink));
        var netlink = new NftablesBackend(new NamespaceCommandRunner(viaNetlink), new NftablesOptions(), NullLogger<NftablesBackend>.Instance, writer);
        var nft = new NftablesBackend(new NamespaceCommandRunner(viaNft), new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var v4 = Realistic(Service);
        var v6 = Realistic(Service6);
        await SyncBothAsync(full: true);

        // Element-only: the steps whose transaction holds nothing but elements (the others create or delete a shared
        // chain, and go through nft in both namespaces).
        List<(string What, bool ElementOnly, Action<List<ServicePort>, Func<int, int[], ServicePort>> Change)> steps =
        [
            ("endpoint moved", true, (s, make) => s[3] = make(3, [1, 2, 4])),
            ("endpoint count changed, new count", false, (s, make) => s[4] = make(4, [1, 2])),
            ("endpoint count changed, known count", true, (s, make) => s[5] = make(5, [1, 2])),
            ("service added", true, (s, make) => s.Add(make(40, [1, 2, 3]))),
            ("service removed", true, (s, make) => s.RemoveAt(29)),
            ("node port added", true, (s, make) => s[11] = s[11] with { NodePort = 30111 }),
            ("no local endpoint left", false, (s, make) => s[20] = LocalLoadBalancer(make(20, [2, 3]))),
            ("no endpoint at all", false, (s, make) => s[12] = make(12, [])),
            ("endpoints back", true, (s, make) => s[12] = make(12, [1, 2, 3])),
            // More elements per set than one message holds (NftablesMessages.ElementsPerMessage): split, one batch still.
            ("80 services added at once", true, (s, make) => s.AddRange(Enumerable.Range(100, 80).Select(i => make(i, [1, 2, 3])))),
        ];
        foreach (var (what, elementOnly, change) in steps)
        {
            change(v4, Service);
            change(v6, Service6);
            var before = writer.Applied;
            await SyncBothAsync(full: false);
            Assert.True(writer.Applied > before == elementOnly, $"{what}: {(elementOnly ? "expected" : "did not expect")} the netlink writer to apply it");
            foreach (var family in new[] { "ip", "ip6" })
            {
                Assert.Equal(Listing(viaNft, family), Listing(viaNetlink, family));
            }
        }

        async Task SyncBothAsync(bool full)
        {
            IReadOnlyList<ProxyState> states = [Family(IpFamily.IPv4, "10.244.0.0/16", v4), Family(IpFamily.IPv6, "fd00:244::/48", v6)];
            Assert.Equal(full, (await nft.SyncAsync(states, full, Ct)).Full);
            Assert.Equal(full, (await netlink.SyncAsync(states, full, Ct)).Full);
        }
    }

    [Fact]
    public async Task ABatchTheKernelRefusesChangesNothing_AndFailsThePartialSync()
    {
        using var ns = KernelNamespace.Create("nft");
        var writer = new CountingWriter(Writer(ns));
        var backend = new NftablesBackend(new NamespaceCommandRunner(ns), new NftablesOptions(), NullLogger<NftablesBackend>.Instance, writer);
        var services = Realistic(Service);
        await backend.SyncAsync([Family(IpFamily.IPv4, "10.244.0.0/16", services)], full: true, Ct);
        // Someone else removed one of the elements the next sync deletes: the batch's delete is refused (ENOENT).
        var gone = ns.Exec("nft", "delete element ip kube-proxy hairpin-endpoints { 10.244.3.3 . 10.244.3.3 }\n", "-f", "-");
        Assert.True(gone.ExitCode == 0, gone.Error);
        var before = Listing(ns, "ip");

        services[3] = Service(3, [1, 2, 4]);
        var failure = await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync([Family(IpFamily.IPv4, "10.244.0.0/16", services)], full: false, Ct));

        Assert.True(failure.PartialSync);
        Assert.Contains("hairpin-endpoints", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, Listing(ns, "ip")); // the endpoint map's change in the same batch was discarded too
        Assert.Equal(0, writer.Applied);
    }

    /// <summary>
    /// One of each kind the renderer fills: plain services (every 10th with a node port), one with no endpoints, a
    /// load balancer with source ranges and Local policy, an internal Local one.
    /// </summary>
    private static List<ServicePort> Realistic(Func<int, int[], ServicePort> make)
    {
        var services = Enumerable.Range(0, 30).Select(i => make(i, [1, 2, 3])).ToList();
        services[12] = InternalLocal(services[12]);
        services[20] = LocalLoadBalancer(services[20]);
        services[25] = make(25, []);
        return services;
    }

    private static ServicePort Service(int i, int[] hosts) => TestPorts.Service(i, hosts);

    /// <summary><see cref="TestPorts.Service"/> in IPv6: fd00:96::(i+1), endpoints fd00:244:i::h.</summary>
    private static ServicePort Service6(int i, int[] hosts) => TestModel.Port(
        new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp),
        IPAddress.Parse($"fd00:96::{i + 1:x}"),
        80,
        i % 10 == 0 ? 30000 + i : 0,
        hosts.Select(h => new Endpoint(IPAddress.Parse($"fd00:244:{i:x}::{h:x}"), 8080, h == 1)));

    private static ProxyState Family(IpFamily family, string podCidr, IEnumerable<ServicePort> services)
    {
        var ports = family == IpFamily.IPv4 ? services : services.Select(p => p.LoadBalancerIPs.Count == 0 ? p : p with
        {
            ExternalIPs = EquatableArray.Create(IPAddress.Parse($"2001:db8:100::{p.ClusterIP.GetAddressBytes()[^1]:x}")),
            LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse($"2001:db8:113::{p.ClusterIP.GetAddressBytes()[^1]:x}")),
            LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("2001:db8:2::/64")),
        });
        return ProxyState.Create(family, TestModel.Node(podCidr), ports);
    }

    private static NetlinkElementWriter Writer(KernelNamespace ns) =>
        new(() => NetworkNamespace.Run(ns.Name, () => new NetlinkSocket(NetlinkProtocol.Netfilter)));

    private static string Listing(KernelNamespace ns, string family)
    {
        var (exitCode, output, error) = ns.Exec("nft", null, "list", "table", family, NftNames.Table);
        Assert.True(exitCode == 0, error);
        return string.Join('\n', TableListing.Blocks(output));
    }

    /// <summary>Counts the transactions the netlink writer applied (not those it left to nft).</summary>
    private sealed class CountingWriter(INftElementWriter inner) : INftElementWriter
    {
        public int Applied { get; private set; }

        public async Task<bool> TryApplyAsync(NftTransaction transaction, Func<string, NftSet?> setOf, CancellationToken cancellationToken)
        {
            var applied = await inner.TryApplyAsync(transaction, setOf, cancellationToken);
            Applied += applied ? 1 : 0;
            return applied;
        }
    }
}
