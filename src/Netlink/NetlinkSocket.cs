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
    private const int BatchMessages = 128;

    private const int BatchBytes = 32 * 1024;

    private readonly SafeNetlinkHandle handle;
    private readonly byte[] buffer = new byte[ReceiveBuffer];
    private uint sequence;

    public NetlinkSocket(NetlinkProtocol protocol)
    {
        handle = NetlinkInterop.Socket(AfNetlink, SockRaw | SockCloexec, (int)protocol);
        if (handle.IsInvalid)
        {
            throw new NetlinkException($"cannot open a netlink socket (protocol {protocol}): errno {Marshal.GetLastPInvokeError()}");
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
        Send(request, request.Length);
        var replies = new List<NetlinkReplies.Message>();
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
                    return replies;
                }
                replies.Add(message);
            }
        }
    }

    /// <summary>
    /// Sends requests that each ask for an ACK, several per datagram, and waits for every ACK. The kernel carries on
    /// after a refused request, so all are tried; the first refusal is thrown afterwards, naming its request through
    /// <paramref name="describe"/>.
    /// </summary>
    public void ExchangeAll(IReadOnlyList<(uint Sequence, byte[] Request)> requests, Func<int, string> describe)
    {
        NetlinkException? first = null;
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
            while (pending.Count > 0)
            {
                foreach (var message in ReceiveOnce())
                {
                    if (message.Type != NetlinkConstants.NlmsgError || !pending.Remove(message.Sequence, out var which))
                    {
                        continue;
                    }
                    try
                    {
                        NetlinkReplies.ThrowIfError(message);
                    }
                    catch (NetlinkException e) when (first is null)
                    {
                        first = new NetlinkException(describe(which), e);
                    }
                }
            }
        }
        if (first is not null)
        {
            throw first;
        }
    }

    public void Dispose() => handle.Dispose();

    private void Send(byte[] data, int length)
    {
        var kernel = new SockaddrNl { Family = AfNetlink };
        if (SendTo(handle, data.AsSpan(0, length), (nuint)length, 0, kernel, Marshal.SizeOf<SockaddrNl>()) < 0)
        {
            throw new NetlinkException($"netlink send failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private List<NetlinkReplies.Message> ReceiveOnce()
    {
        var received = Receive(handle, buffer, (nuint)buffer.Length, 0);
        if (received < 0)
        {
            throw new NetlinkException($"netlink receive failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return NetlinkReplies.Split(buffer.AsMemory(0, (int)received).ToArray());
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new NetlinkException($"netlink {call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
