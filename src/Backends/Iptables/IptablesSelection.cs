namespace Proxy.Backends.Iptables;

/// <summary>
/// Which iptables backend to use and why, as upstream's image decides it (kubernetes-sigs/iptables-wrappers):
/// <list type="number">
/// <item>kubelet (1.17+) keeps KUBE-KUBELET-CANARY, and (1.24+) KUBE-IPTABLES-HINT, in the mangle table of the backend
/// it uses: found in nf_tables' mangle table (either family) → nft; else found anywhere in legacy → legacy (legacy is
/// read whole: <c>iptables-legacy-save -t mangle</c> would create the table);</item>
/// <item>no kubelet chains: the backend that holds more rules (lines starting with <c>-</c>, both families), nft on a
/// tie — a restarted proxy finds its own rules where it left them;</item>
/// <item>a backend whose tools are not installed is never chosen; with neither, the plain <c>iptables-*</c> tools
/// (<see cref="Variant"/> null).</item>
/// </list>
/// </summary>
public sealed record IptablesSelection(IptablesVariant? Variant, string Reason)
{
    private static readonly string[] KubeletChains = [":KUBE-IPTABLES-HINT ", ":KUBE-KUBELET-CANARY "];

    /// <summary>
    /// Decides from what the save tools print, reading each only when the decision needs it. Each text is both families'
    /// output concatenated, or null when that backend's tools are not installed (errors read as empty output, as
    /// upstream ignores them).
    /// </summary>
    /// <param name="nftMangle"><c>iptables-nft-save -t mangle</c> and <c>ip6tables-nft-save -t mangle</c>.</param>
    /// <param name="legacyAll"><c>iptables-legacy-save</c> and <c>ip6tables-legacy-save</c>.</param>
    /// <param name="nftAll"><c>iptables-nft-save</c> and <c>ip6tables-nft-save</c>, every table.</param>
    public static async Task<IptablesSelection> DecideAsync(Func<Task<string?>> nftMangle, Func<Task<string?>> legacyAll, Func<Task<string?>> nftAll)
    {
        var nft = await nftMangle().ConfigureAwait(false);
        if (nft is not null && KubeletChain(nft) is { } nftChain)
        {
            return new(IptablesVariant.Nft, $"kubelet's {nftChain} chain is in the nf_tables mangle table");
        }
        var legacy = await legacyAll().ConfigureAwait(false);
        if (legacy is not null && KubeletChain(legacy) is { } legacyChain)
        {
            return new(IptablesVariant.Legacy, $"kubelet's {legacyChain} chain is in the legacy tables");
        }
        switch (nft, legacy)
        {
            case (null, null):
                return new(null, "neither iptables-nft-save nor iptables-legacy-save is installed: the iptables tools as installed");
            case (null, _):
                return new(IptablesVariant.Legacy, "only the legacy tools are installed");
            case (_, null):
                return new(IptablesVariant.Nft, "only the nf_tables tools are installed");
        }
        var legacyRules = RuleCount(legacy);
        var nftRules = RuleCount(await nftAll().ConfigureAwait(false) ?? "");
        return legacyRules > nftRules
            ? new(IptablesVariant.Legacy, $"no kubelet chains found; legacy holds more rules ({legacyRules}, nf_tables {nftRules})")
            : new(IptablesVariant.Nft, $"no kubelet chains found; nf_tables holds {nftRules} rules, legacy {legacyRules} (nf_tables unless legacy holds more)");
    }

    /// <summary>The executable to run for <paramref name="tool"/> (iptables, iptables-save, ip6tables-restore, ...) in this backend.</summary>
    public string Executable(string tool) => Variant is { } variant ? Executable(tool, variant) : tool;

    /// <summary><c>iptables-restore</c> → <c>iptables-nft-restore</c>; <c>ip6tables</c> → <c>ip6tables-legacy</c>.</summary>
    public static string Executable(string tool, IptablesVariant variant)
    {
        var suffix = variant == IptablesVariant.Nft ? "-nft" : "-legacy";
        var dash = tool.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? tool + suffix : tool[..dash] + suffix + tool[dash..];
    }

    private static string? KubeletChain(string save) =>
        KubeletChains.FirstOrDefault(c => save.StartsWith(c, StringComparison.Ordinal) || save.Contains("\n" + c, StringComparison.Ordinal))?[1..^1];

    private static int RuleCount(string save)
    {
        var count = save.StartsWith('-') ? 1 : 0;
        for (var at = save.IndexOf("\n-", StringComparison.Ordinal); at >= 0; at = save.IndexOf("\n-", at + 2, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
