using System.Buffers.Binary;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Netlink;

/// <summary>Reads the netlink messages in one received datagram.</summary>
public static class NetlinkReplies
{
    /// <summary>One message: its type, flags, sequence and payload (after the 16-byte header).</summary>
    public readonly record struct Message(ushort Type, ushort Flags, uint Sequence, ReadOnlyMemory<byte> Payload);

    public static List<Message> Split(ReadOnlyMemory<byte> datagram)
    {
        var messages = new List<Message>();
        var offset = 0;
        while (offset + 16 <= datagram.Length)
        {
            var span = datagram.Span[offset..];
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
            if (length < 16 || offset + length > datagram.Length)
            {
                throw new NetlinkException($"truncated netlink message at offset {offset} (length {length} of {datagram.Length})");
            }
            messages.Add(new Message(
                BinaryPrimitives.ReadUInt16LittleEndian(span[4..]),
                BinaryPrimitives.ReadUInt16LittleEndian(span[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
                datagram.Slice(offset + 16, length - 16)));
            offset += (length + 3) & ~3;
        }
        return messages;
    }

    /// <summary>
    /// Throws <see cref="NetlinkException"/> for an NLMSG_ERROR with a non-zero code, or an NLMSG_DONE that ends a
    /// dump with one (the kernel reports a dump that failed part-way there); an ACK (code 0) passes.
    /// </summary>
    public static void ThrowIfError(Message message)
    {
        var errno = Errno(message);
        if (errno != 0)
        {
            throw new NetlinkException(errno, message.Sequence);
        }
    }

    /// <summary>The positive errno an NLMSG_ERROR or NLMSG_DONE carries (0: an ACK, or a dump that ended well); 0 for any other message.</summary>
    public static int Errno(Message message) =>
        message.Type is NlmsgError or NlmsgDone && message.Payload.Length >= 4
            ? -BinaryPrimitives.ReadInt32LittleEndian(message.Payload.Span)
            : 0;
}
