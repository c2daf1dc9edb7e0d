namespace Proxy.Conformance.Tests.Harness;

/// <summary>How an operator looks at what one mode programmed, inside the node namespace.</summary>
public sealed class ModeInspector(Topology topology, string mode)
{
    /// <summary>Everything the mode could have touched (iptables-save for iptables, the whole nft ruleset for nftables), without timestamps.</summary>
    public async Task<string> DumpAsync()
    {
        var iptables = await topology.SaveAsync();
        var text = string.Join('\n', iptables.Split('\n').Where(l => !l.StartsWith('#')));
        return mode == "nftables" ? text + "\n" + await topology.InNodeAsync("nft", "list", "ruleset") : text;
    }

    /// <summary>The listing an operator greps for a service name (`iptables -t nat -L -n`, `nft list table ip kube-proxy`).</summary>
    public Task<string> ListingAsync() => mode == "nftables"
        ? topology.InNodeAsync("nft", "list", "table", "ip", "kube-proxy")
        : topology.InNodeAsync("iptables", "-t", "nat", "-L", "-n");

    /// <summary>True when nothing this proxy owns is left in the kernel.</summary>
    public async Task<bool> NothingOursLeftAsync()
    {
        var dump = await topology.SaveAsync() + await topology.InNodeAsync("nft", "list", "ruleset");
        return !dump.Contains("KUBE-", StringComparison.Ordinal) && !dump.Contains("table ip kube-proxy", StringComparison.Ordinal)
            && !dump.Contains("table ip6 kube-proxy", StringComparison.Ordinal);
    }

    /// <summary>A marker the dry-run payload of this mode must contain.</summary>
    public string PayloadMarker => mode == "nftables" ? "add table ip kube-proxy" : "*nat";
}
