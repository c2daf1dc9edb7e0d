using System.Text;

namespace Proxy.HealthChecks;

/// <summary>
/// Reads what a health-check server needs of an HTTP/1.x request: that its head is complete and well formed, and its
/// method (HEAD is answered without a body). The path, headers and any body are ignored, as upstream answers every
/// path the same way. Pure: bytes in, verdict out.
/// </summary>
internal static class HttpRequestHead
{
    /// <summary>
    /// Far above any health checker's request (a request line and a few headers); Go's default is 1 MiB, but a server
    /// per service port has no use for more than a small buffer per connection.
    /// </summary>
    public const int MaxLength = 8192;

    public enum Outcome
    {
        /// <summary>The head has not ended yet: read more.</summary>
        Incomplete,

        Complete,

        /// <summary>Not an HTTP/1.x request line: answered 400.</summary>
        Malformed,

        /// <summary>No end of head within <see cref="MaxLength"/>: answered 431.</summary>
        TooLong,
    }

    public static Outcome Parse(ReadOnlySpan<byte> received, out string method)
    {
        method = "";
        if (received.IndexOf("\r\n\r\n"u8) < 0 && received.IndexOf("\n\n"u8) < 0)
        {
            return received.Length >= MaxLength ? Outcome.TooLong : Outcome.Incomplete;
        }
        var line = Encoding.Latin1.GetString(received[..received.IndexOf((byte)'\n')]).TrimEnd('\r');
        // Bare LF line ends are accepted, as Go's reader does. The request line has three parts, as Go's parser splits
        // it, none of them empty.
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0) || !IsToken(parts[0]) || parts[2] is not ("HTTP/1.0" or "HTTP/1.1"))
        {
            return Outcome.Malformed;
        }
        method = parts[0];
        return Outcome.Complete;
    }

    /// <summary>A method is an HTTP token: visible ASCII without separators.</summary>
    private static bool IsToken(string value) => value.All(c => c is > ' ' and < '\u007f' and not ('(' or ')' or '<' or '>' or '@' or ',' or ';' or ':' or '\\' or '"' or '/' or '[' or ']' or '?' or '=' or '{' or '}'));
}
