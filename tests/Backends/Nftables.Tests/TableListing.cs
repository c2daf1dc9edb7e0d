namespace Proxy.Backends.Nftables.Tests;

/// <summary>Compares what `nft list table` prints regardless of the order objects were created in.</summary>
internal static class TableListing
{
    /// <summary>The table's sets, maps and chains, each with its content, in text order (recreated objects are listed last).</summary>
    public static List<string> Blocks(string listing)
    {
        // What is between "table ip kube-proxy {" and its closing brace, one object per paragraph.
        var inside = listing[(listing.IndexOf('\n', StringComparison.Ordinal) + 1)..listing.TrimEnd().LastIndexOf('}')];
        return [.. inside.Split("\n\n").Select(b => b.Trim()).Order(StringComparer.Ordinal)];
    }
}
