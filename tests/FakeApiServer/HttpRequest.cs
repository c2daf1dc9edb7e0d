using System.Collections.Specialized;
using System.Text;
using System.Web;

namespace Proxy.Testing.FakeApi;

/// <summary>The part of an HTTP/1.1 request the fake needs: method, path, query. Requests to it have no body.</summary>
public sealed record HttpRequest(string Method, string Path, NameValueCollection Query)
{
    /// <summary>Reads one request head from <paramref name="stream"/>; null when the client closed the connection.</summary>
    public static async Task<HttpRequest?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }
            head.Append((char)one[0]);
        }
        var requestLine = head.ToString().Split("\r\n")[0].Split(' ');
        var target = requestLine[1];
        var q = target.IndexOf('?', StringComparison.Ordinal);
        return new HttpRequest(
            requestLine[0],
            q < 0 ? target : target[..q],
            HttpUtility.ParseQueryString(q < 0 ? "" : target[(q + 1)..]));
    }
}
