using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Every chain we want in one IP family's kernel tables, in payload order (filter first, then nat, as upstream).
/// Immutable: the backend keeps the last applied one to compute the next partial sync.
/// </summary>
public sealed class RuleSet
{
    private readonly ImmutableDictionary<(string Table, string Chain), ChainRules> byName;

    public RuleSet(ImmutableArray<ChainRules> chains)
    {
        Chains = chains;
        byName = chains.ToImmutableDictionary(c => (c.Table, c.Chain));
    }

    public ImmutableArray<ChainRules> Chains { get; }

    public ChainRules? Find(string table, string chain) => byName.GetValueOrDefault((table, chain));

    public bool Contains(string table, string chain) => byName.ContainsKey((table, chain));
}
