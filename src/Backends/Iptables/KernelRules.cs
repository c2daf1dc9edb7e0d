using System.Collections.Immutable;

namespace Proxy.Backends.Iptables;

/// <summary>
/// What iptables-save showed for some tables: the chains that exist, and every rule as (chain, text after
/// <c>-A CHAIN </c>). Only read to find our stale chains and missing jump rules; never rewritten wholesale.
/// </summary>
public sealed class KernelRules
{
    private readonly ImmutableDictionary<string, ImmutableArray<string>> chains;
    private readonly ImmutableDictionary<string, ImmutableArray<(string Chain, string Rule)>> rules;

    private KernelRules(
        ImmutableDictionary<string, ImmutableArray<string>> chains,
        ImmutableDictionary<string, ImmutableArray<(string Chain, string Rule)>> rules)
    {
        this.chains = chains;
        this.rules = rules;
    }

    public static KernelRules Empty { get; } = Parse("");

    public IReadOnlyList<string> Chains(string table) => chains.GetValueOrDefault(table, []);

    public IReadOnlyList<(string Chain, string Rule)> Rules(string table) => rules.GetValueOrDefault(table, []);

    public bool HasRule(string table, string chain, string rule) => Rules(table).Contains((chain, rule));

    /// <summary>Parses iptables-save output (any number of tables; comments and counters ignored).</summary>
    public static KernelRules Parse(string save)
    {
        var chains = new Dictionary<string, ImmutableArray<string>.Builder>(StringComparer.Ordinal);
        var rules = new Dictionary<string, ImmutableArray<(string, string)>.Builder>(StringComparer.Ordinal);
        string? table = null;
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                table = line[1..];
                chains.TryAdd(table, ImmutableArray.CreateBuilder<string>());
                rules.TryAdd(table, ImmutableArray.CreateBuilder<(string, string)>());
            }
            else if (table is null)
            {
                continue;
            }
            else if (line.StartsWith(':'))
            {
                var end = line.IndexOf(' ', StringComparison.Ordinal);
                chains[table].Add(end < 0 ? line[1..] : line[1..end]);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var rest = line[3..];
                var end = rest.IndexOf(' ', StringComparison.Ordinal);
                rules[table].Add(end < 0 ? (rest, "") : (rest[..end], rest[(end + 1)..]));
            }
        }
        return new KernelRules(
            chains.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable()),
            rules.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable()));
    }
}
