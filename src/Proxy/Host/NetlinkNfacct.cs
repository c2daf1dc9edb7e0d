using System.Buffers.Binary;
using Proxy.Netlink;
using Proxy.Core.Host;

namespace Proxy.Host;

/// <summary>
/// <see cref="INfacct"/> over NETLINK_NETFILTER (nfnetlink's accounting subsystem), in the calling thread's network
/// namespace, one short-lived socket per call: the counters are read once per scrape and created once at start.
/// </summary>
public sealed class NetlinkNfacct : INfacct
{
    private const ushort SubsystemAcct = 7;
    private const ushort New = (SubsystemAcct << 8) | 0;
    private const ushort Get = (SubsystemAcct << 8) | 1;
    private const ushort Request = 0x1;
    private const ushort Ack = 0x4;
    private const ushort Excl = 0x200;
    private const ushort Create = 0x400;
    private const ushort AttributeName = 1;
    private const ushort AttributePackets = 2;
    private const int Exists = 17; // EEXIST

    public bool Ensure(string name)
    {
        try
        {
            using var socket = new NetlinkSocket(NetlinkProtocol.Netfilter);
            var sequence = socket.NextSequence();
            socket.Exchange(Message(New, Request | Ack | Create | Excl, sequence, name), sequence, dump: false);
            return true;
        }
        catch (NetlinkException e) when (e.Errno == Exists)
        {
            return true;
        }
        catch (NetlinkException)
        {
            return false;
        }
    }

    public ulong? Packets(string name)
    {
        try
        {
            using var socket = new NetlinkSocket(NetlinkProtocol.Netfilter);
            var sequence = socket.NextSequence();
            var reply = socket.Exchange(Message(Get, Request | Ack, sequence, name), sequence, dump: false).FirstOrDefault(m => m.Type == New);
            if (reply.Payload.Length < 4)
            {
                return null;
            }
            var attributes = NetlinkAttributes.Parse(reply.Payload[4..]);
            return attributes.TryGetValue(AttributePackets, out var packets) && packets.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(packets.Span) : null;
        }
        catch (NetlinkException)
        {
            return null; // ENOENT (no such counter), or no nfnetlink_acct at all
        }
    }

    /// <summary>nlmsghdr, then nfgenmsg (family AF_UNSPEC, version 0, resource id 0), then the counter's name.</summary>
    private static byte[] Message(ushort type, int flags, uint sequence, string name) =>
        new NetlinkWriter(type, (ushort)flags, sequence).Header([0, 0, 0, 0]).PutString(AttributeName, name).ToArray();
}
