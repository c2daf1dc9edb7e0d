using System.Net;
using System.Text.RegularExpressions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>Generated names: upstream's for the same service (so operators and scripts find them), within nft's length limit.</summary>
public class NftNamesTests
{
    private static readonly ServicePortName Port = new("ns1", "svc1", "p80", L4Protocol.Tcp);

    [Fact]
    public void AffinityNamesAreUpstreams()
    {
        // Names from upstream's own nftables proxier tests for ns1/svc1:p80 and endpoint 10.180.0.1:80.
        Assert.Equal("affinity-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80", NftNames.AffinitySet(Port, new Endpoint(IPAddress.Parse("10.180.0.1"), 80, false)));
        Assert.Equal("cluster-ULMVA6XW-ns1/svc1/tcp/p80", NftNames.AffinityChain(Port, new NftRoute(EndpointSetKind.Cluster, MasqueradeRule.None)));
        Assert.Equal("local-masq-offcluster-ULMVA6XW-ns1/svc1/tcp/p80", NftNames.AffinityChain(Port, new NftRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster)));
    }

    [Fact]
    public void IPv6EndpointsHaveDotsForColons()
    {
        var name = NftNames.AffinitySet(Port, new Endpoint(IPAddress.Parse("fd00:10::1"), 8080, false));
        Assert.EndsWith("-ns1/svc1/tcp/p80__fd00.10..1/8080", name);
    }

    [Fact]
    public void TheLongestNamesStayWithinTheBudget_UniqueByTheirHash()
    {
        var longest = new ServicePortName(new string('n', 63), new string('s', 63), new string('p', 63), L4Protocol.Sctp);
        var a = NftNames.AffinitySet(longest, new Endpoint(IPAddress.Parse("fd00:1234:5678:9abc:def0:1234:5678:9abc"), 65535, false));
        var b = NftNames.AffinitySet(longest, new Endpoint(IPAddress.Parse("fd00:1234:5678:9abc:def0:1234:5678:9abd"), 65535, false));
        var chain = NftNames.AffinityChain(longest, new NftRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster));

        Assert.All([a, b, chain], n => Assert.True(n.Length <= NftNames.NameLengthMax, $"{n.Length}: {n}"));
        Assert.EndsWith("...", a);
        Assert.NotEqual(a, b);
        Assert.True("local-masq-offcluster-".Length <= NftNames.PrefixLengthMax);
    }

    [Fact]
    public void NamesNoValidObjectHasMakeNamesNftTakes_AndTheRealNftAppliesThem()
    {
        var state = HostileNames.State();
        state = state with { Services = state.Services.Select(p => p with { Affinity = new ClientIPAffinity(60) }).ToEquatableArray() };
        var transaction = NftPlanner.Full(NftRenderer.Render(state, new NftablesOptions())).ToString();

        foreach (var name in Regex.Matches(transaction, @"^add (?:chain|set) ip kube-proxy (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
        {
            Assert.Matches("^[A-Za-z_.][A-Za-z0-9_./-]*$", name);
            Assert.True(name.Length <= NftNames.NameLengthMax, name);
        }
        using var ns = KernelNamespace.Create("nft");
        var applied = ns.Exec("nft", transaction, "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.Error);
    }
}
