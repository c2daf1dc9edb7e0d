using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Upstream's canary: a chain <c>KUBE-PROXY-CANARY</c> in the mangle, nat and filter tables of each family, which nothing
/// jumps to and only someone wiping the tables removes (a firewall reload, <c>iptables -t nat -X</c>). Upstream's
/// iptables mode checks the canaries every sync period and resyncs fully when one is gone (utiliptables.Monitor), and its
/// --cleanup removes them; so do we (see <see cref="IptablesBackend.DriftedAsync"/>).
/// </summary>
/// <remarks>
/// Upstream's canaries are empty, so a flush that keeps the chains (<c>iptables -t nat -F</c>) goes unnoticed until the
/// hourly full sync. Ours in nat and filter hold one rule that changes nothing (nothing jumps to the chain): a flush
/// empties it, so one small listing per table (<c>iptables -S KUBE-PROXY-CANARY</c>) sees both a deleted chain and a
/// flushed table, where reading the table back (iptables-save) would cost seconds at 10k services. The mangle canary
/// stays empty, as upstream's, whose --cleanup deletes it with <c>iptables -X</c>, which refuses a chain with rules.
/// </remarks>
public static class CanaryChains
{
    public const string Name = "KUBE-PROXY-CANARY";

    /// <summary>The rule a nat or filter canary holds: never reached, and gone when the table is flushed.</summary>
    public const string Rule = "-j RETURN";

    /// <summary>Every canary with its rules, mangle first as upstream checks them (the mangle table stays tiny on every node).</summary>
    public static readonly ImmutableArray<ChainRules> All =
    [
        new(TableNames.Mangle, Name, PackedRules.Empty, null),
        new(TableNames.Nat, Name, new PackedRules([Rule]), null),
        new(TableNames.Filter, Name, new PackedRules([Rule]), null),
    ];

    public static bool Is(string table, string chain) => chain == Name && All.Any(c => c.Table == table);
}
