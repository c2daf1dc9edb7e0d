using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Validation;

/// <summary>
/// How the proxy reads IP and CIDR text from Kubernetes objects: the one parser every object field goes through, with
/// upstream's rules. kube-proxy reads addresses with k8s.io/utils/net's ParseIPSloppy: Go's ParseIP, except that an IPv4
/// octet may carry leading zeros, read as decimal (<c>10.96.0.010</c> is 10.96.0.10), never as octal as libc and .NET
/// read them (CVE-2021-29923). The short (<c>10.96.7</c>), integer (<c>167772161</c>) and hex forms, zones
/// (<c>fe80::1%eth0</c>) and brackets are not addresses at all. The API server's strict validation also refuses
/// IPv4-mapped IPv6 (<c>::ffff:10.0.0.1</c>), which Go reads as IPv4 and the kernel tools as IPv6.
/// </summary>
public static class KubernetesAddresses
{
    /// <summary>An IPv4 (dotted quad, leading zeros read as decimal) or IPv6 address, nothing else.</summary>
    public static bool TryParseIP(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            if (!TryParseIPv4(text, bytes[..4]))
            {
                return false;
            }
            address = new IPAddress(bytes[..4]);
            return true;
        }
        if (!TryParseIPv6(text, bytes) || IsIPv4Mapped(bytes))
        {
            return false;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// A CIDR (address/prefix, the prefix decimal and, as ParseCIDRSloppy allows, possibly zero-padded); host bits are
    /// cleared, as Go's net.ParseCIDR does.
    /// </summary>
    public static bool TryParseCidr(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0 || !TryParseIP(text![..slash], out var address)
            || !TryParseDecimal(text.AsSpan(slash + 1), out var prefix)
            || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            return false;
        }
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    /// <summary>
    /// Why an endpoint or external IP may not be <paramref name="address"/>, or null when it may: the API server's
    /// ValidateEndpointIP. The unspecified and loopback addresses are nonsensical as destinations, and link-local ones
    /// are node-centric (a DNAT to 169.254.169.254 reaches the cloud's metadata service).
    /// </summary>
    public static string? SpecialAddressProblem(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var length);
        if (length == 4)
        {
            return (b[0], b[1], b[2]) switch
            {
                (0, 0, 0) when b[3] == 0 => "may not be unspecified (0.0.0.0)",
                (127, _, _) => "may not be in the loopback range (127.0.0.0/8, ::1/128)",
                (169, 254, _) => "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
                (224, 0, 0) => "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
                _ => null,
            };
        }
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "may not be unspecified (::)";
        }
        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "may not be in the loopback range (127.0.0.0/8, ::1/128)";
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
        }
        // Go's IsLinkLocalMulticast: any multicast address of link-local scope (ffx2::/16), whatever its flags.
        return b[0] == 0xff && (b[1] & 0x0f) == 0x02 ? "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)" : null;
    }

    /// <summary>Four decimal octets; leading zeros are dropped (ParseIPSloppy), so at most three digits remain, of at most 255.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        for (var i = 0; i < 4; i++)
        {
            var end = text.IndexOf('.');
            var part = i < 3 ? (end < 0 ? [] : text[..end]) : text;
            if (!TryParseDecimal(part, out var octet) || octet > 255)
            {
                return false;
            }
            bytes[i] = (byte)octet;
            text = i < 3 ? text[(end + 1)..] : [];
        }
        return true;
    }

    /// <summary>One or more ASCII digits of at most three significant ones (leading zeros allowed): 0-999.</summary>
    private static bool TryParseDecimal(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }
        var significant = text.TrimStart('0');
        if (significant.Length > 3)
        {
            return false;
        }
        foreach (var c in significant)
        {
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    /// <summary>
    /// RFC 4291 text as Go's netip reads it: up to eight groups of one to four hex digits, one <c>::</c> standing for at
    /// least one zero group, and optionally a dotted quad in the last 32 bits. No zone, no brackets.
    /// </summary>
    private static bool TryParseIPv6(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        bytes.Clear();
        var ellipsis = -1;
        var i = 0;
        if (text.StartsWith("::"))
        {
            ellipsis = 0;
            text = text[2..];
        }
        while (!text.IsEmpty)
        {
            if (i == 16)
            {
                return false;
            }
            var digits = 0;
            var group = 0;
            while (digits < text.Length && char.IsAsciiHexDigit(text[digits]))
            {
                if (++digits > 4)
                {
                    return false;
                }
                var c = text[digits - 1];
                group = (group << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            if (digits < text.Length && text[digits] == '.')
            {
                // The embedded IPv4 address ends the text, in the last 32 bits (or before an ellipsis' zeros).
                if (i > 12 || !TryParseIPv4(text, bytes.Slice(i, 4)))
                {
                    return false;
                }
                i += 4;
                break;
            }
            if (digits == 0)
            {
                return false;
            }
            bytes[i++] = (byte)(group >> 8);
            bytes[i++] = (byte)group;
            text = text[digits..];
            if (text.IsEmpty)
            {
                break;
            }
            if (text[0] != ':' || text.Length == 1)
            {
                return false;
            }
            text = text[1..];
            if (text[0] == ':')
            {
                if (ellipsis >= 0)
                {
                    return false;
                }
                ellipsis = i;
                text = text[1..];
            }
        }
        if (i < 16)
        {
            if (ellipsis < 0)
            {
                return false;
            }
            var gap = 16 - i;
            bytes[ellipsis..i].CopyTo(bytes[(ellipsis + gap)..]);
            bytes.Slice(ellipsis, gap).Clear();
            return true;
        }
        // An ellipsis must stand for at least one group of zeros.
        return ellipsis < 0;
    }

    private static bool IsIPv4Mapped(ReadOnlySpan<byte> bytes) => !bytes[..10].ContainsAnyExcept((byte)0) && bytes[10] == 0xff && bytes[11] == 0xff;
}
