using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Proxy.HealthChecks;

/// <summary>
/// One listening socket of a health-check server, on exactly one address and port, answering each connection with
/// one response and closing it. Plain sockets rather than HttpListener: a listener must bind one address (an IPv6
/// wildcard that does not take IPv4 too, so each family's count is answered by its own socket) and answer whatever
/// Host header a load balancer sends. Disposing closes the socket and every open connection.
/// </summary>
internal sealed partial class HealthCheckListener : IDisposable
{
    /// <summary>A health checker sends its request at once; a connection idle this long holds resources for nothing.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a connection is drained after the answer: closing with unread bytes (a request body, a pipelined
    /// request) resets the connection, which can destroy the answer in flight. Go's server lingers the same 500 ms.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);

    private const int Backlog = 128;

    // setsockopt(SOL_SOCKET, SO_REUSEADDR) set directly: .NET's ReuseAddress also sets SO_REUSEPORT on Linux, which
    // would let a second process bind the same port and hide the conflict the event is about.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    private readonly Socket socket;
    private readonly Func<bool, byte[]> answer;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationToken stopping;
    private readonly Lock gate = new();
    private readonly HashSet<Socket> connections = [];
    private bool closed;

    private HealthCheckListener(Socket socket, Func<bool, byte[]> answer, TimeProvider time, ILogger logger)
    {
        this.socket = socket;
        this.answer = answer;
        this.time = time;
        this.logger = logger;
        stopping = stop.Token;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Binds and starts answering; <paramref name="answer"/> gives the response bytes (its argument: a HEAD request).</summary>
    /// <exception cref="SocketException">The address cannot be bound (in use, not on this node, family not supported).</exception>
    public static HealthCheckListener Open(IPEndPoint endpoint, Func<bool, byte[]> answer, TimeProvider time, ILogger logger)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            // Lets a restarted proxy bind again while its previous connections sit in TIME_WAIT (it closes first).
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            socket.Bind(endpoint);
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new HealthCheckListener(socket, answer, time, logger);
        _ = Task.Run(listener.AcceptAsync);
        return listener;
    }

    public void Dispose()
    {
        List<Socket> open;
        lock (gate)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            open = [.. connections];
        }
        stop.Cancel();
        socket.Dispose();
        foreach (var connection in open)
        {
            connection.Dispose();
        }
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await socket.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted, or out of descriptors: go on, without spinning.
                LogAcceptFailed(logger, EndPoint, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            lock (gate)
            {
                if (closed)
                {
                    connection.Dispose();
                    return;
                }
                connections.Add(connection);
            }
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(RequestTimeout);
            if (await ReplyToAsync(connection, deadline.Token).ConfigureAwait(false) is { } reply)
            {
                await connection.SendAsync(reply, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            }
            connection.Shutdown(SocketShutdown.Send);
            await DrainAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogRequestFailed(logger, EndPoint, e.Message);
        }
        finally
        {
            lock (gate)
            {
                connections.Remove(connection);
            }
            connection.Dispose();
        }
    }

    /// <summary>Reads the request head; the bytes to answer it with, or null when the client left without asking.</summary>
    private async Task<byte[]?> ReplyToAsync(Socket connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[HttpRequestHead.MaxLength];
        var received = 0;
        while (true)
        {
            var read = await connection.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }
            received += read;
            switch (HttpRequestHead.Parse(buffer.AsSpan(0, received), out var method))
            {
                case HttpRequestHead.Outcome.Complete:
                    return answer(method == "HEAD");
                case HttpRequestHead.Outcome.Malformed:
                    return HealthCheckReply.Refusal(400, time.GetUtcNow());
                case HttpRequestHead.Outcome.TooLong:
                    return HealthCheckReply.Refusal(431, time.GetUtcNow());
            }
        }
    }

    /// <summary>Reads and discards what the client still sends, until it closes or <see cref="Linger"/> passes.</summary>
    private async Task DrainAsync(Socket connection)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        linger.CancelAfter(Linger);
        var sink = new byte[1024];
        try
        {
            while (await connection.ReceiveAsync(sink, SocketFlags.None, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            // Lingered long enough; the client has its answer.
        }
    }

    [LoggerMessage(EventId = 607, Level = LogLevel.Debug, Message = "A health check request on {EndPoint} failed: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, IPEndPoint endPoint, string reason);

    [LoggerMessage(EventId = 608, Level = LogLevel.Debug, Message = "Accepting a health check connection on {EndPoint} failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, string reason);
}
