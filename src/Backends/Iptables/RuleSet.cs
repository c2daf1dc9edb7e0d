using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Every chain we want in one IP family's kernel tables, in payload order (filter first, then nat, as upstream), and
/// the jump rules from built-in chains that must exist. Immutable: the backend keeps the last applied one to compute
/// the next partial sync.
/// </summary>
public sealed class RuleSet
{
    private readonly ImmutableDictionary<(string Table, string Chain), ChainRules> byName;

    public RuleSet(ImmutableArray<ChainRules> chains, ImmutableArray<(string Table, string BuiltIn, string Rule)>? jumps = null)
    {
        Chains = chains;
        Jumps = jumps ?? BaseChains.Jumps;
        byName = chains.ToImmutableDictionary(c => (c.Table, c.Chain));
    }

    public ImmutableArray<ChainRules> Chains { get; }

    /// <summary>Jump rules from built-in chains, in the order they should appear at the top of each.</summary>
    public ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps { get; }

    public ChainRules? Find(string table, string chain) => byName.GetValueOrDefault((table, chain));

    public bool Contains(string table, string chain) => byName.ContainsKey((table, chain));
}
