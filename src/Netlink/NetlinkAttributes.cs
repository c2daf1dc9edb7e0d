using System.Buffers.Binary;

namespace Proxy.Netlink;

/// <summary>Reads a run of netlink attributes (type-length-value, 4-byte aligned) into type → value.</summary>
public static class NetlinkAttributes
{
    /// <summary>Attribute types carry flag bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER) above this mask.</summary>
    private const ushort TypeMask = 0x3fff;

    public static Dictionary<ushort, ReadOnlyMemory<byte>> Parse(ReadOnlyMemory<byte> data)
    {
        var result = new Dictionary<ushort, ReadOnlyMemory<byte>>();
        var offset = 0;
        while (offset + 4 <= data.Length)
        {
            var span = data.Span[offset..];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(span);
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span[2..]) & TypeMask);
            if (length < 4 || offset + length > data.Length)
            {
                throw new NetlinkException($"malformed netlink attribute at offset {offset} (length {length} of {data.Length})");
            }
            result[type] = data.Slice(offset + 4, length - 4);
            offset += (length + 3) & ~3;
        }
        return result;
    }

    public static ushort U16(this IReadOnlyDictionary<ushort, ReadOnlyMemory<byte>> attributes, ushort type) =>
        BinaryPrimitives.ReadUInt16LittleEndian(attributes[type].Span);

    public static ushort BigEndianU16(this IReadOnlyDictionary<ushort, ReadOnlyMemory<byte>> attributes, ushort type) =>
        BinaryPrimitives.ReadUInt16BigEndian(attributes[type].Span);

    public static uint BigEndianU32(this IReadOnlyDictionary<ushort, ReadOnlyMemory<byte>> attributes, ushort type) =>
        BinaryPrimitives.ReadUInt32BigEndian(attributes[type].Span);

    public static uint U32(this IReadOnlyDictionary<ushort, ReadOnlyMemory<byte>> attributes, ushort type) =>
        BinaryPrimitives.ReadUInt32LittleEndian(attributes[type].Span);

    public static string String(this IReadOnlyDictionary<ushort, ReadOnlyMemory<byte>> attributes, ushort type) =>
        System.Text.Encoding.ASCII.GetString(attributes[type].Span).TrimEnd('\0');
}
