using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Every chain we want in one IP family's kernel tables, in payload order (filter first, then nat, as upstream), and
/// the jump rules from built-in chains that must exist. Immutable: the backend keeps the last applied one to compute
/// the next partial sync.
/// </summary>
public sealed class RuleSet
{
    /// <summary>Table → chain → rules; built on first use (a partial sync of 100k+ chains does without it).</summary>
    private Dictionary<string, Dictionary<string, ChainRules>>? byName;

    /// <summary>The chains as instances, built on first use: what a partial sync compares.</summary>
    private HashSet<ChainRules>? instances;

    public RuleSet(ImmutableArray<ChainRules> chains, ImmutableArray<(string Table, string BuiltIn, string Rule)>? jumps = null)
    {
        Chains = chains;
        Jumps = jumps ?? BaseChains.Jumps;
    }

    public ImmutableArray<ChainRules> Chains { get; }

    /// <summary>Jump rules from built-in chains, in the order they should appear at the top of each.</summary>
    public ImmutableArray<(string Table, string BuiltIn, string Rule)> Jumps { get; }

    public ChainRules? Find(string table, string chain) => ByName().TryGetValue(table, out var chains) ? chains.GetValueOrDefault(chain) : null;

    public bool Contains(string table, string chain) => ByName().TryGetValue(table, out var chains) && chains.ContainsKey(chain);

    /// <summary>
    /// True when this very instance is one of the chains (not merely an equal one). The renderer's cache hands an
    /// unchanged service port's chains over as the same instances, so this finds them without comparing rules.
    /// </summary>
    public bool HasInstance(ChainRules chain) => (instances ??= new HashSet<ChainRules>(Chains, ReferenceEqualityComparer.Instance)).Contains(chain);

    private Dictionary<string, Dictionary<string, ChainRules>> ByName()
    {
        if (byName is null)
        {
            var index = new Dictionary<string, Dictionary<string, ChainRules>>(StringComparer.Ordinal);
            foreach (var chain in Chains)
            {
                if (!index.TryGetValue(chain.Table, out var table))
                {
                    index[chain.Table] = table = new(StringComparer.Ordinal);
                }
                table[chain.Chain] = chain;
            }
            byName = index;
        }
        return byName;
    }
}
