using System.Runtime.InteropServices;
using static Proxy.Netlink.NetlinkInterop;

namespace Proxy.Netlink;

/// <summary>
/// A netlink socket of one <see cref="NetlinkProtocol"/> (generic netlink for IPVS, rtnetlink for links and addresses):
/// send requests, collect the replies by sequence number until each one's ACK (or the end of a dump). Blocking, with
/// a receive timeout so a silent kernel cannot hang a sync; used by one caller at a time.
/// </summary>
public sealed class NetlinkSocket : IDisposable
{
    private const int ReceiveBuffer = 1 << 16;

    /// <summary>
    /// How many requests, and bytes of them, go into one sendto. The kernel handles every message of a datagram in
    /// order and queues one ACK per message before we read any; each ACK costs about 1 KiB of receive buffer (skb
    /// truesize, not its 36 bytes), and the buffer is capped by net.core.rmem_max (208 KiB by default), so 128 ACKs
    /// fit with room to spare (more overflow it: ENOBUFS). That still cuts a 10k-operation sync's round trips 128-fold.
    /// </summary>
    public const int BatchMessages = 128;

    private const int BatchBytes = 32 * 1024;

    private readonly SafeNetlinkHandle handle;
    private readonly byte[] buffer = new byte[ReceiveBuffer];
    private uint sequence;

    public NetlinkSocket(NetlinkProtocol protocol)
    {
        handle = NetlinkInterop.Socket(AfNetlink, SockRaw | SockCloexec, (int)protocol);
        if (handle.IsInvalid)
        {
            throw new NetlinkException($"cannot open a netlink socket (protocol {protocol})", Marshal.GetLastPInvokeError());
        }
        var local = new SockaddrNl { Family = AfNetlink };
        Check(Bind(handle, local, Marshal.SizeOf<SockaddrNl>()), "bind");
        var timeout = new Timeval { Seconds = 5 };
        Check(SetSockOpt(handle, SolSocket, SoRcvtimeo, timeout, Marshal.SizeOf<Timeval>()), "setsockopt(SO_RCVTIMEO)");
        Check(SetSockOpt(handle, SolSocket, SoRcvbuf, 1 << 20, sizeof(int)), "setsockopt(SO_RCVBUF)");
    }

    public uint NextSequence() => ++sequence;

    /// <summary>Sends <paramref name="request"/> (built with <paramref name="sequenceUsed"/>) and returns its data replies; throws <see cref="NetlinkException"/> on an error reply.</summary>
    public List<NetlinkReplies.Message> Exchange(byte[] request, uint sequenceUsed, bool dump)
    {
        var replies = new List<NetlinkReplies.Message>();
        Send(request, request.Length);
        Collect(sequenceUsed, dump, replies.Add);
        return replies;
    }

    /// <summary>
    /// Sends a dump request and hands each data reply to <paramref name="onReply"/> as it arrives, so a large table
    /// (conntrack's can hold a million flows) is decoded on the way in rather than held whole; throws
    /// <see cref="NetlinkException"/> on an error reply.
    /// </summary>
    public void Dump(byte[] request, uint sequenceUsed, Action<NetlinkReplies.Message> onReply)
    {
        Send(request, request.Length);
        Collect(sequenceUsed, dump: true, onReply);
    }

    /// <summary>
    /// Sends requests that each ask for an ACK, several per datagram, and waits for every ACK. The kernel carries on
    /// after a refused request, so all are tried; the first refusal is thrown afterwards, naming its request through
    /// <paramref name="describe"/>.
    /// </summary>
    public void ExchangeAll(IReadOnlyList<(uint Sequence, byte[] Request)> requests, Func<int, string> describe)
    {
        var errnos = ExchangeEach(requests);
        var first = Array.FindIndex(errnos, e => e != 0);
        if (first >= 0)
        {
            throw new NetlinkException(describe(first), new NetlinkException(errnos[first], requests[first].Sequence));
        }
    }

    /// <summary>
    /// Sends requests that each ask for an ACK, several per datagram, and waits for every ACK, as
    /// <see cref="ExchangeAll"/>, for callers to whom some refusals are answers (ENOENT: already gone).
    /// </summary>
    /// <returns>For each request, in order, the errno the kernel refused it with, or 0 when it was done.</returns>
    public int[] ExchangeEach(IReadOnlyList<(uint Sequence, byte[] Request)> requests)
    {
        var errnos = new int[requests.Count];
        var index = 0;
        var chunk = new byte[BatchBytes];
        while (index < requests.Count)
        {
            var pending = new Dictionary<uint, int>();
            var length = 0;
            while (index < requests.Count && pending.Count < BatchMessages && (length == 0 || length + requests[index].Request.Length <= BatchBytes))
            {
                var request = requests[index].Request;
                if (length + request.Length > chunk.Length)
                {
                    chunk = new byte[length + request.Length];
                }
                request.CopyTo(chunk, length);
                length += request.Length;
                pending[requests[index].Sequence] = index;
                index++;
            }
            Send(chunk, length);
            AwaitAcks(pending, errnos, strayErrorsThrow: false);
        }
        return errnos;
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> as one sendto, as an nfnetlink batch must arrive (the kernel reads a batch from
    /// one datagram only), and waits for the ACK of each of <paramref name="acked"/>. The caller keeps the datagram
    /// within the socket's send buffer and the ACKs within its receive buffer (see <see cref="BatchMessages"/>).
    /// </summary>
    /// <returns>For each of <paramref name="acked"/>, in order, the errno the kernel refused it with, or 0.</returns>
    /// <exception cref="NetlinkException">An error to a message that asked for no ACK: the batch itself was refused.</exception>
    public int[] ExchangeDatagram(byte[] datagram, IReadOnlyList<uint> acked)
    {
        var errnos = new int[acked.Count];
        var pending = new Dictionary<uint, int>(acked.Count);
        for (var i = 0; i < acked.Count; i++)
        {
            pending[acked[i]] = i;
        }
        Send(datagram, datagram.Length);
        AwaitAcks(pending, errnos, strayErrorsThrow: true);
        return errnos;
    }

    /// <summary>
    /// Receives until every sequence in <paramref name="pending"/> (sequence → index) has its ACK, putting each errno (0:
    /// done) at its index in <paramref name="errnos"/>. An error to a sequence not asked about is ignored, or thrown when
    /// <paramref name="strayErrorsThrow"/> (an nfnetlink batch's error to a message without an ACK: the batch refused).
    /// </summary>
    private void AwaitAcks(Dictionary<uint, int> pending, int[] errnos, bool strayErrorsThrow)
    {
        while (pending.Count > 0)
        {
            foreach (var message in ReceiveOnce())
            {
                if (message.Type != NetlinkConstants.NlmsgError)
                {
                    continue;
                }
                if (pending.Remove(message.Sequence, out var which))
                {
                    errnos[which] = NetlinkReplies.Errno(message);
                }
                else if (strayErrorsThrow && NetlinkReplies.Errno(message) != 0)
                {
                    throw new NetlinkException(NetlinkReplies.Errno(message), message.Sequence);
                }
            }
        }
    }

    public void Dispose() => handle.Dispose();

    /// <summary>Reads replies to <paramref name="sequenceUsed"/> until its ACK, or the end of its dump; data replies go to <paramref name="onReply"/>.</summary>
    private void Collect(uint sequenceUsed, bool dump, Action<NetlinkReplies.Message> onReply)
    {
        while (true)
        {
            foreach (var message in ReceiveOnce())
            {
                if (message.Sequence != sequenceUsed)
                {
                    continue; // a late reply to an earlier request
                }
                NetlinkReplies.ThrowIfError(message);
                if (message.Type == NetlinkConstants.NlmsgDone || (!dump && message.Type == NetlinkConstants.NlmsgError))
                {
                    return;
                }
                onReply(message);
            }
        }
    }

    private void Send(byte[] data, int length)
    {
        var kernel = new SockaddrNl { Family = AfNetlink };
        if (SendTo(handle, data.AsSpan(0, length), (nuint)length, 0, kernel, Marshal.SizeOf<SockaddrNl>()) < 0)
        {
            throw new NetlinkException("netlink send failed", Marshal.GetLastPInvokeError());
        }
    }

    private List<NetlinkReplies.Message> ReceiveOnce()
    {
        var received = Receive(handle, buffer, (nuint)buffer.Length, 0);
        if (received < 0)
        {
            throw new NetlinkException("netlink receive failed", Marshal.GetLastPInvokeError());
        }
        return NetlinkReplies.Split(buffer.AsMemory(0, (int)received).ToArray());
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new NetlinkException($"netlink {call} failed", Marshal.GetLastPInvokeError());
        }
    }
}
