using System.Security.Cryptography;
using System.Text;

namespace Proxy.Core.Naming;

/// <summary>
/// The hash upstream puts in generated chain and set names: standard base32 (RFC 4648, Go's base32.StdEncoding) of the
/// SHA-256 of a text, cut to a number of characters (16 in iptables mode's KUBE-SVC-…, 8 in nftables mode's names), so
/// the names a mode generates are the ones upstream generates for the same service.
/// </summary>
public static class UpstreamHash
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Base32Sha256(string text, int characters)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(characters, 51); // 256 bits hold 51 whole characters
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        Span<char> result = stackalloc char[characters];
        int buffer = 0, bits = 0, written = 0, next = 0;
        while (written < characters)
        {
            if (bits < 5)
            {
                buffer = (buffer << 8) | digest[next++];
                bits += 8;
            }
            result[written++] = Alphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
        return new string(result);
    }
}
