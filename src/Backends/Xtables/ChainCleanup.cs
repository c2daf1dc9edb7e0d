namespace Proxy.Backends.Xtables;

/// <summary>Pure: the --cleanup payload for one owner of chains (iptables mode's, or IPVS mode's).</summary>
public static class ChainCleanup
{
    /// <summary>
    /// Deletes every rule that jumps from a chain not <paramref name="owned"/> into one that is (our jumps from built-in
    /// chains, and any left by upstream kube-proxy), then flushes and removes every owned chain; <paramref name="owned"/>
    /// takes table and chain. Looks in <paramref name="tables"/> (filter and nat unless told).
    /// </summary>
    public static RestoreTransaction Plan(KernelRules kernel, Func<string, string, bool> owned, IReadOnlyList<string>? tables = null)
    {
        var transaction = new RestoreTransaction();
        foreach (var table in tables ?? TableNames.All)
        {
            foreach (var (chain, rule) in kernel.Rules(table))
            {
                if (!owned(table, chain) && RestoreTransaction.JumpTarget(rule) is { } target && owned(table, target))
                {
                    transaction.DeleteRule(table, chain, rule);
                }
            }
            foreach (var chain in kernel.Chains(table).Where(c => owned(table, c)))
            {
                transaction.DeleteChain(table, chain);
            }
        }
        return transaction;
    }
}
