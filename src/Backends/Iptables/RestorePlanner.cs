namespace Proxy.Backends.Iptables;

/// <summary>
/// Pure: decides what one payload must contain. A full sync rewrites every chain we want that the kernel does not
/// already hold exactly (drift, or a first sync), adds any missing jump rule and removes stale generated chains
/// found in the kernel; a partial sync rewrites only the chains whose rules differ from the ones last applied.
/// Cleanup removes everything we own and nothing else.
/// </summary>
public static class RestorePlanner
{
    /// <param name="changedServicePorts">Service ports with a chain written or removed.</param>
    public static RestoreTransaction Full(RuleSet desired, KernelRules kernel, out int changedServicePorts)
    {
        var transaction = new RestoreTransaction(ChainNames.IsGenerated);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        // What iptables-save showed is what the kernel holds: an hourly full sync of 10k services rewrites nothing that
        // nobody changed (upstream rewrites everything; at that size, seconds of CPU per full sync).
        foreach (var chain in desired.Chains.Where(c => !kernel.Holds(c.Table, c.Chain, c.Rules)))
        {
            Write(transaction, chain, owners);
        }
        // -I ... 1 puts each rule on top: insert the missing ones last-first so they end up in table order.
        foreach (var (table, builtIn, rule) in desired.Jumps.Reverse())
        {
            if (!kernel.HasRule(table, builtIn, rule))
            {
                transaction.InsertFirst(table, builtIn, rule);
            }
        }
        foreach (var table in TableNames.All)
        {
            foreach (var stale in kernel.Chains(table).Where(c => ChainNames.IsGenerated(c) && !desired.Contains(table, c)))
            {
                transaction.DeleteChain(table, stale);
            }
        }
        changedServicePorts = owners.Count;
        return transaction;
    }

    /// <summary>Only for a <paramref name="previous"/> with the same jump rules: a change of those needs a full sync.</summary>
    public static RestoreTransaction Partial(RuleSet desired, RuleSet previous, out int changedServicePorts)
    {
        var transaction = new RestoreTransaction(ChainNames.IsGenerated);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        // An unchanged service port's chains are the very instances applied last time (the renderer's cache): only the
        // rest — a changed port's chains, the shared chains rebuilt at every render — are compared by name and rules.
        var before = previous.Chains.Where(c => !desired.HasInstance(c)).ToDictionary(c => (c.Table, c.Chain));
        var now = new HashSet<(string, string)>();
        foreach (var chain in desired.Chains.Where(c => !previous.HasInstance(c)))
        {
            now.Add((chain.Table, chain.Chain));
            if (before.GetValueOrDefault((chain.Table, chain.Chain)) != chain)
            {
                Write(transaction, chain, owners);
            }
        }
        // A chain we write but do not own (kubelet's KUBE-FIREWALL) is left in place when we stop writing it.
        foreach (var gone in before.Values.Where(c => !now.Contains((c.Table, c.Chain)) && BaseChains.IsOwned(c.Table, c.Chain)))
        {
            transaction.DeleteChain(gone.Table, gone.Chain);
            if (gone.Owner is not null)
            {
                owners.Add(gone.Owner);
            }
        }
        changedServicePorts = owners.Count;
        return transaction;
    }

    /// <summary>
    /// Deletes every rule that jumps from a chain we do not own into one we own (our jumps from built-in chains,
    /// and any left by upstream kube-proxy), then flushes and removes every chain we own.
    /// </summary>
    public static RestoreTransaction Cleanup(KernelRules kernel) => ChainCleanup.Plan(kernel, BaseChains.IsOwned, BaseChains.Tables);

    private static void Write(RestoreTransaction transaction, ChainRules chain, HashSet<string> owners)
    {
        transaction.Declare(chain.Table, chain.Chain);
        transaction.Append(chain.Table, chain.Chain, chain.Rules);
        if (chain.Owner is not null)
        {
            owners.Add(chain.Owner);
        }
    }
}
