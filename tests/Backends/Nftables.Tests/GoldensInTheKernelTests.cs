using System.Text.RegularExpressions;
using Proxy.Backends.Testing;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Every golden transaction is one the real nft applies, in a fresh namespace, and afterwards the kernel holds every
/// chain, set and map it adds; then the periodic resync over that table (which keeps it, flushing and refilling) is
/// accepted too and leaves exactly the same table. The goldens are not just text that looks right.
/// </summary>
public partial class GoldensInTheKernelTests
{
    [Theory]
    [MemberData(nameof(RenderGoldenTests.Scenarios), MemberType = typeof(RenderGoldenTests))]
    public void TheRealNftAppliesTheGoldenTransaction_AndTheResyncOverIt(string scenario)
    {
        var payload = File.ReadAllText(GoldenFiles.Output("testdata", "render", scenario, "expected.nft"));
        using var ns = KernelNamespace.Create("nft");

        var applied = ns.Exec("nft", payload, "-f", "-");

        Assert.True(applied.ExitCode == 0, $"nft refused {scenario}: {applied.Error}");
        var family = payload.StartsWith("add table ip6 ", StringComparison.Ordinal) ? "ip6" : "ip";
        var table = ns.Exec("nft", null, "list", "table", family, NftNames.Table).Output;
        foreach (Match added in Declared().Matches(payload))
        {
            Assert.Matches($@"\n\t{added.Groups[1].Value} {Regex.Escape(added.Groups[2].Value)} {{", table);
        }

        // The transaction a forced full sync writes once the table is known: over what the golden put in place.
        var desired = RenderGoldenTests.Desired(scenario);
        var resync = ns.Exec("nft", NftPlanner.Full(desired, desired).ToString(), "-f", "-");

        Assert.True(resync.ExitCode == 0, $"nft refused the resync of {scenario}: {resync.Error}");
        Assert.Equal(TableListing.Blocks(table), TableListing.Blocks(ns.Exec("nft", null, "list", "table", family, NftNames.Table).Output));
    }

    /// <summary>
    /// nft derives a protocol match from the value type of the map a DNAT rule uses: the kernel's rule for a UDP
    /// service's route must match UDP (listed as "udp dport"), or its datagrams would never be translated.
    /// </summary>
    [Fact]
    public void AUdpServicesDnatRuleMatchesUdpInTheKernel()
    {
        var payload = File.ReadAllText(GoldenFiles.Output("testdata", "render", "multiport-named", "expected.nft"));
        using var ns = KernelNamespace.Create("nft");
        Assert.Equal(0, ns.Exec("nft", payload, "-f", "-").ExitCode);

        var route = UdpRoute().Match(ns.Exec("nft", null, "list", "map", "ip", NftNames.Table, NftNames.ServiceIPs).Output).Groups[1].Value;
        var chain = ns.Exec("nft", null, "list", "chain", "ip", NftNames.Table, route).Output;

        Assert.Contains("meta l4proto . udp dport . numgen", chain);
        Assert.DoesNotContain("tcp", chain);
    }

    [GeneratedRegex(@"udp \. 53 comment ""[^""]*"" : goto ([\w-]+)")]
    private static partial Regex UdpRoute();

    [GeneratedRegex(@"^add (chain|set|map) ip6? kube-proxy (\S+)", RegexOptions.Multiline)]
    private static partial Regex Declared();
}
