using System.Collections.Specialized;
using System.Globalization;
using System.Text;
using System.Web;

namespace Proxy.Testing.FakeApi;

/// <summary>
/// The part of an HTTP/1.1 request the fake needs: method, path, query, and the body of a write (sent with
/// Content-Length or chunked, as HttpClient chooses).
/// </summary>
public sealed record HttpRequest(string Method, string Path, NameValueCollection Query, string Body)
{
    /// <summary>Reads one request from <paramref name="stream"/>; null when the client closed the connection.</summary>
    public static async Task<HttpRequest?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (await ReadLinesAsync(stream, cancellationToken).ConfigureAwait(false) is not { } lines)
        {
            return null;
        }
        var requestLine = lines[0].Split(' ');
        var target = requestLine[1];
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var headers = new NameValueCollection(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new HttpRequest(
            requestLine[0],
            q < 0 ? target : target[..q],
            HttpUtility.ParseQueryString(q < 0 ? "" : target[(q + 1)..]),
            Encoding.UTF8.GetString(await ReadBodyAsync(stream, headers, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>The head's lines up to the blank one; null at end of stream.</summary>
    private static async Task<List<string>?> ReadLinesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                return lines;
            }
            lines.Add(line);
        }
        return null;
    }

    private static async Task<byte[]> ReadBodyAsync(Stream stream, NameValueCollection headers, CancellationToken cancellationToken)
    {
        if (headers["Transfer-Encoding"] is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var body = new MemoryStream();
            while (await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false) is { } size
                && int.Parse(size.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) is var length and > 0)
            {
                body.Write(await ReadExactlyAsync(stream, length, cancellationToken).ConfigureAwait(false));
                await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false); // the blank line after the last chunk
            return body.ToArray();
        }
        var contentLength = int.TryParse(headers["Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return await ReadExactlyAsync(stream, contentLength, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    /// <summary>One CRLF-terminated line without its end; null at end of stream.</summary>
    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (line is not [.., '\r', '\n'])
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }
            line.Append((char)one[0]);
        }
        return line.ToString()[..^2];
    }
}
