using System.Runtime.InteropServices;
using static Proxy.Backends.Ipvs.Netlink.NetlinkInterop;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>
/// A generic-netlink socket: send one request, collect the replies with its sequence number until the ACK (or the
/// end of a dump). Blocking, with a receive timeout so a silent kernel cannot hang a sync; one request at a time.
/// </summary>
public sealed class NetlinkSocket : IDisposable
{
    private const int ReceiveBuffer = 1 << 16;
    private readonly SafeNetlinkHandle handle;
    private uint sequence;

    public NetlinkSocket()
    {
        handle = NetlinkInterop.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkGeneric);
        if (handle.IsInvalid)
        {
            throw new NetlinkException($"cannot open a generic netlink socket: errno {Marshal.GetLastPInvokeError()}");
        }
        var local = new SockaddrNl { Family = AfNetlink };
        Check(Bind(handle, local, Marshal.SizeOf<SockaddrNl>()), "bind");
        var timeout = new Timeval { Seconds = 5 };
        Check(SetSockOpt(handle, SolSocket, SoRcvtimeo, timeout, Marshal.SizeOf<Timeval>()), "setsockopt(SO_RCVTIMEO)");
    }

    public uint NextSequence() => ++sequence;

    /// <summary>Sends <paramref name="request"/> (built with <paramref name="sequenceUsed"/>) and returns its data replies; throws <see cref="NetlinkException"/> on an error reply.</summary>
    public List<NetlinkReplies.Message> Exchange(byte[] request, uint sequenceUsed, bool dump)
    {
        var kernel = new SockaddrNl { Family = AfNetlink };
        if (SendTo(handle, request, (nuint)request.Length, 0, kernel, Marshal.SizeOf<SockaddrNl>()) < 0)
        {
            throw new NetlinkException($"netlink send failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var replies = new List<NetlinkReplies.Message>();
        var buffer = new byte[ReceiveBuffer];
        while (true)
        {
            var received = Receive(handle, buffer, (nuint)buffer.Length, 0);
            if (received < 0)
            {
                throw new NetlinkException($"netlink receive failed: errno {Marshal.GetLastPInvokeError()}");
            }
            foreach (var message in NetlinkReplies.Split(buffer.AsMemory(0, (int)received).ToArray()))
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

    public void Dispose() => handle.Dispose();

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new NetlinkException($"netlink {call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
