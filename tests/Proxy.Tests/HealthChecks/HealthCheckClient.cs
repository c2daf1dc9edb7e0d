using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.HealthChecks;

/// <summary>A load balancer's health check, over real HTTP: one GET, the status, every header and the body.</summary>
internal static class HealthCheckClient
{
    public sealed record Answer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
    }

    /// <param name="open">Creates the client socket (e.g. inside a network namespace); a plain socket when null.</param>
    public static async Task<Answer> GetAsync(IPEndPoint endpoint, string path = "/", Func<AddressFamily, Socket>? open = null)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = open?.Invoke(endpoint.AddressFamily) ?? new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var host = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        using var response = await http.GetAsync(new Uri($"http://{host}:{endpoint.Port}{path}"), TestContext.Current.CancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Answer((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Whether a connection to <paramref name="endpoint"/> is refused: nothing listens there.</summary>
    public static async Task<bool> RefusedAsync(IPEndPoint endpoint, Func<AddressFamily, Socket>? open = null)
    {
        using var socket = open?.Invoke(endpoint.AddressFamily) ?? new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, TestContext.Current.CancellationToken);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    /// <summary>A port nothing listens on right now, on both loopbacks.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            v4.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)v4.LocalEndPoint!).Port;
            if (!Socket.OSSupportsIPv6)
            {
                return port;
            }
            try
            {
                using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                v6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken in IPv6: try another.
            }
        }
    }
}
