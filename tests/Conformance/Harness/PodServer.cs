using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// A pod's server, in-process on a socket opened in the pod's namespace: every TCP connection and every UDP datagram
/// gets exactly one answer, "pod peer-address\n", where the peer is the source the pod saw (the scenarios read
/// masquerading from it). It answers from its receive loop, with no process per request, so an answer is never later
/// than the probe is willing to wait for it.
/// </summary>
internal sealed class PodServer : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly string pod;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private PodServer(Socket socket, string pod, ProtocolType protocol)
    {
        this.socket = socket;
        this.pod = pod;
        loop = protocol == ProtocolType.Tcp ? AcceptLoopAsync(stop.Token) : ReceiveLoopAsync(stop.Token);
    }

    /// <summary>Listens on every IPv4 address of the pod (pods here have IPv4 addresses only); returns once listening.</summary>
    public static PodServer Start(string netns, string pod, int port, ProtocolType protocol)
    {
        var type = protocol switch
        {
            ProtocolType.Tcp => SocketType.Stream,
            ProtocolType.Udp => SocketType.Dgram,
            _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "tcp or udp"),
        };
        var socket = NamespacedSocket.Open(netns, AddressFamily.InterNetwork, type, protocol);
        try
        {
            // A server started again on the same port must not wait for the previous one's TIME_WAIT connections.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            if (protocol == ProtocolType.Tcp)
            {
                socket.Listen(128);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new PodServer(socket, pod, protocol);
    }

    /// <summary>Stops answering and closes the socket; an unexpected failure of the loop surfaces here.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        finally
        {
            socket.Dispose();
            stop.Dispose();
        }
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await socket.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (IsThePeersProblem(e.SocketErrorCode))
            {
                continue;
            }
            using (connection)
            {
                try
                {
                    await connection.SendAsync(Answer(connection.RemoteEndPoint), SocketFlags.None, cancellationToken);
                    // FIN right after the answer: the probe reads up to the end of the stream.
                    connection.Shutdown(SocketShutdown.Send);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException)
                {
                    // The client went away before its answer: only that probe can tell, and it does.
                }
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var anyone = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, anyone, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (IsThePeersProblem(e.SocketErrorCode))
            {
                continue;
            }
            try
            {
                await socket.SendToAsync(Answer(received.RemoteEndPoint), SocketFlags.None, received.RemoteEndPoint, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // No route back or dropped on the way out: the probe sees no answer and reports that.
            }
        }
    }

    private byte[] Answer(EndPoint? peer) => Encoding.ASCII.GetBytes($"{pod} {((IPEndPoint)peer!).Address}\n");

    /// <summary>Errors one client causes (it reset or aborted, or an ICMP error for an earlier answer came back); the server carries on.</summary>
    private static bool IsThePeersProblem(SocketError error) =>
        error is SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.ConnectionRefused
            or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.Interrupted;
}
