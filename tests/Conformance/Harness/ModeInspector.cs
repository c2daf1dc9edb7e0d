using System.Text.RegularExpressions;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>How an operator looks at what one mode programmed, inside the node namespace.</summary>
public sealed partial class ModeInspector(Topology topology, string mode)
{
    /// <summary>
    /// Everything the mode could have touched, without timestamps or counters: iptables-save, plus the whole nft
    /// ruleset for nftables, plus the IPVS table, the ipsets and the addresses for ipvs.
    /// </summary>
    public async Task<string> DumpAsync()
    {
        var iptables = await topology.SaveAsync();
        var text = string.Join('\n', iptables.Split('\n').Where(l => !l.StartsWith('#')));
        return mode switch
        {
            "nftables" => text + "\n" + await topology.InNodeAsync("nft", "list", "ruleset"),
            "ipvs" => text + "\n" + await IpvsStateAsync(),
            _ => text,
        };
    }

    /// <summary>The listing an operator reads (`iptables -t nat -L -n`, `nft list table ip kube-proxy`, `ipvsadm -Ln`).</summary>
    public Task<string> ListingAsync() => mode switch
    {
        "nftables" => topology.InNodeAsync("nft", "list", "table", "ip", "kube-proxy"),
        "ipvs" => topology.InNodeAsync("ipvsadm", "-Ln"),
        _ => topology.InNodeAsync("iptables", "-t", "nat", "-L", "-n"),
    };

    /// <summary>
    /// What the listing and the dry-run output of this mode show for one service port: its name where rules carry
    /// comments (iptables, nftables); IPVS has no names, so there it is the virtual server's address and port.
    /// </summary>
    public string ServiceMarker(string name, string clusterIP, int port) => mode == "ipvs" ? $"{clusterIP}:{port}" : name;

    /// <summary>
    /// iptables-save without kubelet's KUBE-FIREWALL chain and its jumps, when the chain holds only the localhost
    /// node-port anti-martian rule: iptables mode writes that rule there, but the chain is kubelet's, so like upstream
    /// (iptablesKubeletJumpChains) neither --cleanup nor a mode switch removes it.
    /// </summary>
    public static string WithoutKubeletFirewall(string save)
    {
        var lines = save.Split('\n');
        var own = lines.Where(l => l.StartsWith("-A KUBE-FIREWALL ", StringComparison.Ordinal)).ToList();
        if (own.Any(l => !l.Contains("block incoming localnet connections", StringComparison.Ordinal)))
        {
            return save;
        }
        return string.Join('\n', lines.Where(l => !l.StartsWith(":KUBE-FIREWALL ", StringComparison.Ordinal)
            && !l.StartsWith("-A KUBE-FIREWALL ", StringComparison.Ordinal) && !l.EndsWith(" -j KUBE-FIREWALL", StringComparison.Ordinal)));
    }

    /// <summary>True when nothing this proxy owns is left in the kernel, whatever the mode.</summary>
    public async Task<bool> NothingOursLeftAsync()
    {
        // iptables-nft's tables show in `nft list ruleset` too: iptables-save covers those, the ruleset our own tables.
        var dump = WithoutKubeletFirewall(await topology.SaveAsync()) + await topology.InNodeAsync("ip6tables-save") + await topology.InNodeAsync("ipset", "save") + await topology.InNodeAsync("ip", "-o", "link");
        var ruleset = await topology.InNodeAsync("nft", "list", "ruleset");
        var ipvs = mode == "ipvs" ? await topology.InNodeAsync("ipvsadm", "-Ln") : "";
        return !dump.Contains("KUBE-", StringComparison.Ordinal) && !ruleset.Contains("table ip kube-proxy", StringComparison.Ordinal)
            && !ruleset.Contains("table ip6 kube-proxy", StringComparison.Ordinal) && !dump.Contains("kube-ipvs0", StringComparison.Ordinal)
            && !ipvs.Contains("10.96.", StringComparison.Ordinal) && !ipvs.Contains($"{Topology.NodeIP}:3", StringComparison.Ordinal);
    }

    /// <summary>A marker the dry-run output of this mode must contain.</summary>
    public string PayloadMarker => mode switch
    {
        "nftables" => "add table ip kube-proxy",
        "ipvs" => "# ipvs add-service",
        _ => "*nat",
    };

    private async Task<string> IpvsStateAsync() =>
        RealServerCounters().Replace(await topology.InNodeAsync("ipvsadm", "-Ln"), "$1") + "\n"
        + SetSeed().Replace(await topology.InNodeAsync("ipset", "save"), "") + "\n"
        // IPv4 only: IPv6 link-local addresses change state (tentative, then not) on their own.
        + LinkIndex().Replace(await topology.InNodeAsync("ip", "-o", "-4", "addr"), "");

    /// <summary>A real server's ActiveConn and InActConn columns: traffic, not state.</summary>
    [GeneratedRegex(@"^(\s+->\s+\S+\s+\S+\s+\d+)\s+\d+\s+\d+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex RealServerCounters();

    /// <summary>The interface index `ip -o addr` starts each line with: kube-ipvs0 made again (after --cleanup) gets another.</summary>
    [GeneratedRegex(@"^\d+:\s+", RegexOptions.Multiline)]
    private static partial Regex LinkIndex();

    /// <summary>
    /// A hash set's random seed (`initval 0x…`, listed since ipset 7.10 on kernels 5.10+): every set made anew gets
    /// another, and full syncs swap in sets made anew, so the same contents would compare unequal.
    /// </summary>
    [GeneratedRegex(@" initval 0x[0-9a-f]+")]
    private static partial Regex SetSeed();
}
