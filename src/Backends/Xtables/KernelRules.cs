using System.Collections.Immutable;
using System.Globalization;

namespace Proxy.Backends.Xtables;

/// <summary>
/// What iptables-save showed for some tables: the chains that exist, and every rule as (chain, text after
/// <c>-A CHAIN </c>). Only read to find our stale chains and missing jump rules; never rewritten wholesale.
/// </summary>
public sealed class KernelRules
{
    private readonly ImmutableDictionary<string, ImmutableArray<string>> chains;
    private readonly ImmutableDictionary<string, ImmutableArray<(string Chain, string Rule)>> rules;

    /// <summary>Each chain's rules in order, by (table, chain): a full sync compares 100k+ chains against them.</summary>
    private readonly Dictionary<(string Table, string Chain), List<string>> byChain;

    private KernelRules(
        ImmutableDictionary<string, ImmutableArray<string>> chains,
        ImmutableDictionary<string, ImmutableArray<(string Chain, string Rule)>> rules)
    {
        this.chains = chains;
        this.rules = rules;
        byChain = [];
        foreach (var (table, list) in rules)
        {
            foreach (var (chain, rule) in list)
            {
                if (!byChain.TryGetValue((table, chain), out var chainRules))
                {
                    byChain[(table, chain)] = chainRules = [];
                }
                chainRules.Add(rule);
            }
        }
    }

    public static KernelRules Empty { get; } = Parse("");

    public IReadOnlyList<string> Chains(string table) => chains.GetValueOrDefault(table, []);

    public IReadOnlyList<(string Chain, string Rule)> Rules(string table) => rules.GetValueOrDefault(table, []);

    public bool HasRule(string table, string chain, string rule) => byChain.TryGetValue((table, chain), out var list) && list.Contains(rule);

    /// <summary>
    /// True when <paramref name="chain"/> exists and holds exactly <paramref name="expected"/>, in order, as iptables-save
    /// prints them. The one difference in spelling is forgiven: iptables keeps a statistic probability as a 31-bit fraction
    /// and prints it with 11 decimals (0.10000000009 for our 0.1000000000), so probabilities compare by that fraction.
    /// </summary>
    public bool Holds(string table, string chain, IReadOnlyList<string> expected)
    {
        if (!byChain.TryGetValue((table, chain), out var actual))
        {
            return expected.Count == 0 && Chains(table).Contains(chain);
        }
        if (actual.Count != expected.Count)
        {
            return false;
        }
        // In step, never by index: packed rules (PackedRules) find a rule by index by scanning the ones before it.
        var i = 0;
        foreach (var rule in expected)
        {
            if (!string.Equals(actual[i], rule, StringComparison.Ordinal) && !SameWithProbability(actual[i], rule))
            {
                return false;
            }
            i++;
        }
        return true;
    }

    private const string Probability = "--probability ";

    private const string NfacctSaved = "--nfacct-name  ";

    private const string NfacctWritten = "--nfacct-name ";

    private static bool SameWithProbability(string actual, string expected)
    {
        var a = actual.IndexOf(Probability, StringComparison.Ordinal);
        var e = expected.IndexOf(Probability, StringComparison.Ordinal);
        if (a < 0 || a != e)
        {
            return false;
        }
        var start = a + Probability.Length;
        var aEnd = actual.IndexOf(' ', start);
        var eEnd = expected.IndexOf(' ', start);
        aEnd = aEnd < 0 ? actual.Length : aEnd;
        eEnd = eEnd < 0 ? expected.Length : eEnd;
        return actual.AsSpan(aEnd).SequenceEqual(expected.AsSpan(eEnd))
            && double.TryParse(actual.AsSpan(start, aEnd - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var pa)
            && double.TryParse(expected.AsSpan(start, eEnd - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var pe)
            && Fraction(pa) == Fraction(pe);
    }

    /// <summary>What xt_statistic stores: lround(p × 2^31), as libxt_statistic computes it.</summary>
    private static uint Fraction(double p) => (uint)Math.Round(p * 0x80000000u, MidpointRounding.AwayFromZero);

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
                // libxt_nfacct prints its option with two spaces ("--nfacct-name  NAME"); the rules we write have one, and
                // comparing them as printed made every full sync rewrite KUBE-FORWARD and report it as drift.
                var rest = line[3..].Replace(NfacctSaved, NfacctWritten, StringComparison.Ordinal);
                var end = rest.IndexOf(' ', StringComparison.Ordinal);
                rules[table].Add(end < 0 ? (rest, "") : (rest[..end], rest[(end + 1)..]));
            }
        }
        return new KernelRules(
            chains.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable()),
            rules.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable()));
    }
}
