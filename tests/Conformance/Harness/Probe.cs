using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// One connection (TCP) or request (UDP) from inside a namespace, on an in-process socket opened there, read as a
/// pod server's "pod source\n" answer. Refusals come back from the kernel at once (a TCP RST, or an ICMP port
/// unreachable that a connected UDP socket reports), so only silence costs the full wait.
/// </summary>
internal static class Probe
{
    /// <summary>
    /// For the connect and, separately, for the answer. An in-process server answers within milliseconds even on a
    /// loaded 2-core machine, so this only bounds what silence costs; it leaves room for a slow emulated VM.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static readonly byte[] Ping = "ping\n"u8.ToArray();

    /// <param name="source">The address to connect from (one of the namespace's own); null lets the kernel choose.</param>
    public static async Task<ProbeResult> TcpAsync(string netns, IPEndPoint target, CancellationToken cancellationToken, IPAddress? source = null)
    {
        using var socket = NamespacedSocket.Open(netns, target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        var clock = Stopwatch.StartNew();
        try
        {
            using (var deadline = Deadline(cancellationToken))
            {
                await socket.ConnectAsync(target, deadline.Token);
            }
            using (var deadline = Deadline(cancellationToken))
            {
                var answer = new StringBuilder();
                var buffer = new byte[256];
                // Up to the end of the line or of the stream: the server sends its line and a FIN.
                while (answer.Length == 0 || answer[^1] != '\n')
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                    if (read == 0)
                    {
                        break;
                    }
                    answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                return Parse(answer.ToString(), clock.Elapsed);
            }
        }
        catch (Exception e) when (Failed(e, clock.Elapsed, cancellationToken) is { } failed)
        {
            return failed;
        }
    }

    public static async Task<ProbeResult> UdpAsync(string netns, IPEndPoint target, CancellationToken cancellationToken, IPAddress? source = null)
    {
        using var socket = NamespacedSocket.Open(netns, target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (source is not null)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        var clock = Stopwatch.StartNew();
        try
        {
            // Connected, so the kernel hands an ICMP port unreachable for this flow back to us as ECONNREFUSED.
            socket.Connect(target);
            await socket.SendAsync(Ping, SocketFlags.None, cancellationToken);
            using var deadline = Deadline(cancellationToken);
            var buffer = new byte[2048];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return Parse(Encoding.ASCII.GetString(buffer, 0, read), clock.Elapsed);
        }
        catch (Exception e) when (Failed(e, clock.Elapsed, cancellationToken) is { } failed)
        {
            return failed;
        }
    }

    private static CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        return deadline;
    }

    private static ProbeResult Parse(string answer, TimeSpan elapsed)
    {
        var words = answer.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 2 && answer.EndsWith('\n')
            ? new ProbeResult(ProbeOutcome.Answered, words[0], words[1], elapsed, "")
            : new ProbeResult(ProbeOutcome.TimedOut, null, null, elapsed, $"no well-formed answer, got \"{answer.Trim()}\"");
    }

    /// <summary>
    /// Only ECONNREFUSED is a refusal, the one thing a REJECT rule produces; any other socket error (no route, a reset
    /// after connecting) counts as no answer. The caller's own cancellation is not a probe outcome and propagates.
    /// </summary>
    private static ProbeResult? Failed(Exception e, TimeSpan elapsed, CancellationToken cancellationToken) => e switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new ProbeResult(ProbeOutcome.Refused, null, null, elapsed, e.Message),
        SocketException s => new ProbeResult(ProbeOutcome.TimedOut, null, null, elapsed, $"{s.SocketErrorCode}: {s.Message}"),
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new ProbeResult(ProbeOutcome.TimedOut, null, null, elapsed, $"no answer within {Timeout.TotalSeconds:F0} s"),
        _ => null,
    };
}
