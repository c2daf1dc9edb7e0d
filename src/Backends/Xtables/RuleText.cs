using System.Globalization;
using System.Net;
using Proxy.Core.Model;
using Proxy.Core.Text;

namespace Proxy.Backends.Xtables;

/// <summary>
/// How the parts of a rule are spelled, in iptables-save's canonical order (<c>-s</c>, <c>-d</c>, <c>-i</c>, <c>-p</c>, then
/// the matches in the order given, then the target), so a payload reads like what iptables-save shows afterwards.
/// </summary>
public static class RuleText
{
    /// <summary>Joins the parts that are present, in the order given (the caller gives them in canonical order).</summary>
    public static string Join(params string?[] parts) => string.Join(' ', parts.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>An address as a host network, as iptables-save prints it: <c>10.0.0.1/32</c>, <c>fd00::1/128</c>.</summary>
    public static string Host(IPAddress address) => address.Family() == IpFamily.IPv4 ? $"{address}/32" : $"{address}/128";

    /// <summary>A network as iptables-save prints it (a host network with its /32 or /128).</summary>
    public static string Network(IPNetwork network) => network.ToString();

    /// <summary><c>-m comment --comment "text"</c>.</summary>
    public static string Comment(string text) => $"-m comment --comment {Quote(text)}";

    /// <summary>
    /// Quotes a comment as iptables-nft-save prints most of ours (legacy iptables-save quotes only when needed), and as
    /// iptables-restore reads it back: <c>"</c> and <c>\</c> escaped with a backslash, no character that ends a line, at
    /// most 255 bytes. Whatever a name holds, it cannot end the comment or the rule.
    /// </summary>
    public static string Quote(string comment)
    {
        // The kernel's XT_MAX_COMMENT_LEN (256) less its NUL. iptables cuts a longer comment silently (and refuses the
        // whole payload with "Parameter too long!" past its 1024-byte argument buffer): the rule read back would differ.
        const int maxBytes = 255;
        var text = EmbeddedText.Printable(comment, maxBytes);
        if (text.AsSpan().IndexOfAny('"', '\\') >= 0)
        {
            text = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        }
        return $"\"{text}\"";
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public static string RejectWith(IpFamily family) => family == IpFamily.IPv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";

    /// <summary>
    /// The source part of a rule that matches (or, <paramref name="negate"/>, does not match) this node's pod traffic:
    /// <c>-s CIDR</c> for the CIDR modes, null for the interface modes (see <see cref="LocalInterface"/>).
    /// </summary>
    public static string? LocalSource(LocalTrafficDetector detector, bool negate) =>
        detector.Cidr is { } cidr ? $"{(negate ? "! " : "")}-s {cidr}" : null;

    /// <summary>The interface part of the same match: <c>-i bridge</c>, <c>-i prefix+</c> (iptables' wildcard), null for the CIDR modes.</summary>
    public static string? LocalInterface(LocalTrafficDetector detector, bool negate) =>
        detector.Interface is { } name ? $"{(negate ? "! " : "")}-i {name}{(detector.IsPrefix ? "+" : "")}" : null;

    /// <summary>Both parts, for rules whose order iptables-save does not dictate (IPVS mode's set matches).</summary>
    public static string LocalMatch(LocalTrafficDetector detector, bool negate) =>
        Join(LocalSource(detector, negate), LocalInterface(detector, negate));
}
