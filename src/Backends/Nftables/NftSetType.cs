using System.Globalization;

namespace Proxy.Backends.Nftables;

/// <summary>
/// The key and value fields of a set or map definition, when element writes can lay them out: <c>type</c> or
/// <c>typeof</c> with the fields <see cref="NftFieldType"/> names, and a verdict or such fields as value. Anything else
/// (flags such as <c>interval</c>, <c>dynamic</c>, <c>timeout</c>; another type or expression) is not parsed: its
/// elements go through nft.
/// </summary>
internal sealed record NftSetType(IReadOnlyList<(NftFieldType Type, int Bound)> Key, IReadOnlyList<(NftFieldType Type, int Bound)>? Value, bool Verdict)
{
    /// <summary>Between the fields of a concatenation, in a definition and in an element alike.</summary>
    public const string Separator = " . ";

    public static NftSetType? Parse(NftSet set)
    {
        var definition = set.Type;
        if (definition.Contains(';', StringComparison.Ordinal))
        {
            return null; // flags (interval, dynamic, timeout) change how elements are laid out or kept
        }
        bool typeOf;
        if (definition.StartsWith("typeof ", StringComparison.Ordinal))
        {
            typeOf = true;
            definition = definition["typeof ".Length..];
        }
        else if (definition.StartsWith("type ", StringComparison.Ordinal))
        {
            typeOf = false;
            definition = definition["type ".Length..];
        }
        else
        {
            return null;
        }
        var halves = definition.Split(" : ");
        if (halves.Length != (set.Kind == "map" ? 2 : 1) || set.Kind is not ("map" or "set"))
        {
            return null;
        }
        var key = Fields(halves[0], typeOf);
        if (key is null)
        {
            return null;
        }
        if (halves.Length == 1)
        {
            return new NftSetType(key, null, false);
        }
        if (!typeOf && halves[1] == "verdict")
        {
            return new NftSetType(key, null, true);
        }
        var value = Fields(halves[1], typeOf);
        return value is null ? null : new NftSetType(key, value, false);
    }

    private static List<(NftFieldType, int)>? Fields(string text, bool typeOf)
    {
        var fields = new List<(NftFieldType, int)>();
        foreach (var field in text.Split(Separator))
        {
            if ((typeOf ? Expression(field) : Type(field)) is not { } parsed)
            {
                return null;
            }
            fields.Add(parsed);
        }
        return fields;
    }

    private static (NftFieldType, int)? Type(string name) => name switch
    {
        "ipv4_addr" => (NftFieldType.Ipv4Address, 0),
        "ipv6_addr" => (NftFieldType.Ipv6Address, 0),
        "inet_proto" => (NftFieldType.Protocol, 0),
        "inet_service" => (NftFieldType.Port, 0),
        _ => null,
    };

    private static (NftFieldType, int)? Expression(string expression)
    {
        const string NumGen = "numgen random mod ";
        if (expression.StartsWith(NumGen, StringComparison.Ordinal))
        {
            var modulus = expression[NumGen.Length..];
            return modulus.All(char.IsAsciiDigit) && int.TryParse(modulus, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? (NftFieldType.Index, n)
                : null;
        }
        return expression switch
        {
            "ip daddr" or "ip saddr" => (NftFieldType.Ipv4Address, 0),
            "ip6 daddr" or "ip6 saddr" => (NftFieldType.Ipv6Address, 0),
            "meta l4proto" => (NftFieldType.Protocol, 0),
            "th dport" or "tcp dport" or "udp dport" or "sctp dport" => (NftFieldType.Port, 0),
            _ => null,
        };
    }
}
