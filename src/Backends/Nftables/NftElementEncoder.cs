using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Proxy.Netlink;
using Proxy.Netlink.Nftables;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: an element-only transaction → the element commands of one nfnetlink batch, laid out as nft lays them out;
/// or null when the transaction holds anything else, or an element this strict reader does not recognise in every
/// detail (then nft reads the text: never a guessed encoding). Each set's fields come from its definition
/// (<see cref="NftSetType"/>); a key or value is its fields' text joined by " . ", each field in a 4-byte slot.
/// </summary>
public static class NftElementEncoder
{
    /// <param name="setOf">The definition of a set of the transaction's table, by name (null: unknown).</param>
    public static List<SetElementsCommand>? Encode(NftTransaction transaction, Func<string, NftSet?> setOf)
    {
        var commands = new List<SetElementsCommand>(transaction.Count);
        var types = new Dictionary<string, NftSetType?>(StringComparer.Ordinal);
        foreach (var (verb, item) in transaction.Commands)
        {
            if (item is not NftElements elements || verb == NftVerb.Flush || Family(elements.Family) is not { } family)
            {
                return null;
            }
            if (!types.TryGetValue(elements.Set, out var type))
            {
                types[elements.Set] = type = setOf(elements.Set) is { } set && set.Family == elements.Family && set.Table == elements.Table ? NftSetType.Parse(set) : null;
            }
            if (type is null)
            {
                return null;
            }
            var add = verb == NftVerb.Add;
            var encoded = new List<SetElement>(elements.Items.Count);
            foreach (var element in elements.Items)
            {
                if (Element(element, type, add) is not { } laidOut)
                {
                    return null;
                }
                encoded.Add(laidOut);
            }
            commands.Add(new SetElementsCommand(add, family, elements.Table, elements.Set, encoded));
        }
        return commands;
    }

    private static ushort? Family(string family) => family switch
    {
        "ip" => NetlinkConstants.AfInet,
        "ip6" => NetlinkConstants.AfInet6,
        _ => null,
    };

    private static SetElement? Element(NftElement element, NftSetType type, bool add)
    {
        if (Fields(element.Key, type.Key) is not { } key)
        {
            return null;
        }
        if (!add)
        {
            return new SetElement(key);
        }
        SetElementData? data = null;
        if (type.Verdict)
        {
            data = element.Value is { } verdict ? Verdict(verdict) : null;
            if (data is null)
            {
                return null;
            }
        }
        else if (type.Value is { } valueFields)
        {
            if (element.Value is null || Fields(element.Value, valueFields) is not { } value)
            {
                return null;
            }
            data = SetElementData.Bytes(value);
        }
        else if (element.Value is not null)
        {
            return null;
        }
        var comment = element.ElementComment is { } text ? NftObject.CommentText(text) : null;
        return new SetElement(key, data, comment);
    }

    private static byte[]? Fields(string text, IReadOnlyList<(NftFieldType Type, int Bound)> fields)
    {
        var parts = text.Split(NftSetType.Separator);
        if (parts.Length != fields.Count)
        {
            return null;
        }
        var bytes = new List<byte>(parts.Length * 4);
        for (var i = 0; i < parts.Length; i++)
        {
            if (Field(parts[i], fields[i].Type, fields[i].Bound) is not { } field)
            {
                return null;
            }
            bytes.AddRange(field);
            while (bytes.Count % 4 != 0)
            {
                bytes.Add(0);
            }
        }
        return [.. bytes];
    }

    private static byte[]? Field(string text, NftFieldType type, int bound)
    {
        switch (type)
        {
            case NftFieldType.Ipv4Address:
            case NftFieldType.Ipv6Address:
                var family = type == NftFieldType.Ipv4Address ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                // Only the canonical spelling (what IPAddress prints, as the renderer writes it): "10.1" or a zone id
                // would parse, but mean something else to nft or nothing at all.
                return IPAddress.TryParse(text, out var address) && address.AddressFamily == family && address.ToString() == text
                    ? address.GetAddressBytes()
                    : null;
            case NftFieldType.Protocol:
                return text switch
                {
                    "tcp" => [(byte)ProtocolType.Tcp],
                    "udp" => [(byte)ProtocolType.Udp],
                    "sctp" => [132],
                    _ => null,
                };
            case NftFieldType.Port:
                if (Number(text) is not { } port || port > ushort.MaxValue)
                {
                    return null;
                }
                var service = new byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(service, (ushort)port);
                return service;
            case NftFieldType.Index:
                // numgen's result is a register value in host byte order.
                return Number(text) is { } index && index < bound ? BitConverter.GetBytes((uint)index) : null;
            default:
                return null;
        }
    }

    /// <summary>A decimal number as the renderer prints one: digits only, no sign, no leading zero.</summary>
    private static long? Number(string text) =>
        text.Length is > 0 and <= 10 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            ? long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : null;

    private static SetElementData? Verdict(string text)
    {
        switch (text)
        {
            case "drop":
                return SetElementData.Of(SetElementVerdict.Drop);
            case "accept":
                return SetElementData.Of(SetElementVerdict.Accept);
        }
        var words = text.Split(' ');
        if (words.Length != 2 || !ChainName(words[1]))
        {
            return null;
        }
        return words[0] switch
        {
            "goto" => SetElementData.Of(SetElementVerdict.Goto, words[1]),
            "jump" => SetElementData.Of(SetElementVerdict.Jump, words[1]),
            _ => null,
        };
    }

    /// <summary>
    /// A chain name nft reads as written (an unquoted identifier of the characters our names use), within the kernel's
    /// NFT_CHAIN_MAXNAMELEN (256 with the NUL).
    /// </summary>
    private static bool ChainName(string name) =>
        name.Length is > 0 and <= NftNames.NameLengthMax && char.IsAsciiLetter(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');
}
