using System.Net;
using System.Net.Sockets;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>An HTTP GET from inside a namespace, as a load balancer's health check: status, headers and body, or refused.</summary>
internal static class HttpProbe
{
    public sealed record Answer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";

        public override string ToString() => $"{Status} {string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n{Body}";
    }

    /// <returns>The answer, or null when the connection was refused (nothing listens there).</returns>
    public static async Task<Answer?> GetAsync(string netns, IPEndPoint target, string path, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = NamespacedSocket.Open(netns, target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(target, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeScale.Of(Probe.Timeout) };
        var host = target.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address.ToString();
        try
        {
            using var response = await http.GetAsync(new Uri($"http://{host}:{target.Port}{path}"), cancellationToken);
            var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            return new Answer((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return null;
        }
    }
}
