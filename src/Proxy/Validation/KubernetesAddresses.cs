using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Validation;

/// <summary>
/// How the proxy reads IP and CIDR text from Kubernetes objects: the one parser every object field goes through.
/// </summary>
public static class KubernetesAddresses
{
    /// <summary>An IPv4 (dotted quad) or IPv6 address, nothing else (no zone, no short or integer forms).</summary>
    public static bool TryParseIP(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }
        var v4 = parsed.AddressFamily == AddressFamily.InterNetwork;
        if (v4 ? text.Count(c => c == '.') != 3 : !text.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }
        address = parsed;
        return true;
    }

    /// <summary>A CIDR (address/prefix); host bits are cleared, as Go's net.ParseCIDR does.</summary>
    public static bool TryParseCidr(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0 || !TryParseIP(text![..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix)
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
}
