using System.Buffers.Binary;
using System.Text;

namespace Proxy.Netlink;

/// <summary>
/// Builds one netlink message: nlmsghdr (host byte order), optional genlmsghdr, then attributes (type-length-value,
/// each padded to 4 bytes). Nested attributes are opened with <see cref="BeginNested"/> and closed with <see cref="EndNested"/>,
/// which fills in their length. Multi-byte attribute values are host order unless the kernel wants network order
/// (ports, and everything ctnetlink carries: <see cref="PutBigEndianU16"/>, <see cref="PutBigEndianU32"/>).
/// </summary>
public sealed class NetlinkWriter
{
    private const int HeaderLength = 16;
    private readonly List<byte> bytes = [];
    private readonly Stack<int> nested = new();

    public NetlinkWriter(ushort type, ushort flags, uint sequence)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        // nlmsg_pid 0: the kernel fills in our port id.
        bytes.AddRange(header.ToArray());
    }

    /// <summary>The generic netlink header: command, family version, two reserved bytes.</summary>
    public NetlinkWriter Generic(byte command, byte version)
    {
        bytes.AddRange([command, version, 0, 0]);
        return this;
    }

    /// <summary>A fixed family header (rtnetlink's ifinfomsg, ifaddrmsg), already laid out by the caller.</summary>
    public NetlinkWriter Header(ReadOnlySpan<byte> header)
    {
        bytes.AddRange(header.ToArray());
        Pad();
        return this;
    }

    public NetlinkWriter PutU8(ushort type, byte value) => Put(type, [value]);

    public NetlinkWriter PutU16(ushort type, ushort value) => Put(type, BitConverter.GetBytes(value));

    public NetlinkWriter PutBigEndianU16(ushort type, ushort value)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, value);
        return Put(type, data);
    }

    public NetlinkWriter PutU32(ushort type, uint value) => Put(type, BitConverter.GetBytes(value));

    public NetlinkWriter PutBigEndianU32(ushort type, uint value)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, value);
        return Put(type, data);
    }

    /// <summary>A NUL-terminated string, as the kernel's NLA_NUL_STRING / NLA_STRING policies accept.</summary>
    public NetlinkWriter PutString(ushort type, string value) => Put(type, [.. Encoding.ASCII.GetBytes(value), 0]);

    public NetlinkWriter Put(ushort type, ReadOnlySpan<byte> value)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), type);
        bytes.AddRange(header);
        bytes.AddRange(value.ToArray());
        Pad();
        return this;
    }

    public NetlinkWriter BeginNested(ushort type)
    {
        nested.Push(bytes.Count);
        bytes.AddRange([0, 0, (byte)type, (byte)(type >> 8)]);
        return this;
    }

    public NetlinkWriter EndNested()
    {
        var start = nested.Pop();
        var length = (ushort)(bytes.Count - start);
        bytes[start] = (byte)length;
        bytes[start + 1] = (byte)(length >> 8);
        return this;
    }

    /// <summary>The finished message, with its total length in the header.</summary>
    public byte[] ToArray()
    {
        if (nested.Count > 0)
        {
            throw new InvalidOperationException("a nested attribute is still open");
        }
        var message = bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        return message;
    }

    private void Pad()
    {
        while (bytes.Count % 4 != 0)
        {
            bytes.Add(0);
        }
    }
}
