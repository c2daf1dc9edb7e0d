using System.Buffers.Binary;
using System.Text;
using static Proxy.Netlink.NetlinkConstants;
using static Proxy.Netlink.Nftables.NftablesConstants;

namespace Proxy.Netlink.Nftables;

/// <summary>
/// Pure: nf_tables element changes as one nfnetlink batch, byte for byte as nft 1.0.6 lays them out
/// (<c>nft -d netlink,mnl</c>, strace): NFNL_MSG_BATCH_BEGIN (res_id NFNL_SUBSYS_NFTABLES, big-endian), one
/// NFT_MSG_NEWSETELEM / NFT_MSG_DELSETELEM per set, NFNL_MSG_BATCH_END. The kernel applies a batch whole or not at
/// all. Two differences from nft, both deliberate: every element message asks for an ACK (nft waits for errors only;
/// an ACK per message names the one refused), and an add carries no NFTA_SET_ELEM_LIST_SET_ID (nft numbers every set
/// it names; the id only finds a set created earlier in the same batch, which an element-only batch never has).
/// Adds are NLM_F_CREATE without NLM_F_EXCL, as nft's <c>add element</c>: an element already there with the same data
/// is no error.
/// </summary>
public static class NftablesMessages
{
    /// <summary>
    /// Elements per message: NFTA_SET_ELEM_LIST_ELEMENTS is one attribute, whose length is 16 bits; 64 of the largest
    /// element we write (a 255-byte chain name, a 128-byte comment, 44 bytes of key) stay under 32 KiB.
    /// </summary>
    public const int ElementsPerMessage = 64;

    /// <summary>One message of a batch: its sequence number and which command it carries (elements of that command's set).</summary>
    public readonly record struct Part(uint Sequence, SetElementsCommand Command);

    /// <summary>
    /// The whole batch, one datagram (nfnetlink reads a batch from one message only), with the messages that ask for
    /// an ACK; sequence numbers start at <paramref name="firstSequence"/> (the batch's begin) and rise by one.
    /// </summary>
    public static (byte[] Datagram, List<Part> Parts) Batch(uint firstSequence, IReadOnlyList<SetElementsCommand> commands)
    {
        var sequence = firstSequence;
        var messages = new List<byte[]> { Begin(sequence++) };
        var parts = new List<Part>();
        foreach (var command in commands)
        {
            for (var start = 0; start < command.Elements.Count; start += ElementsPerMessage)
            {
                var slice = command with { Elements = [.. command.Elements.Skip(start).Take(ElementsPerMessage)] };
                parts.Add(new Part(sequence, command));
                messages.Add(Elements(sequence++, slice));
            }
        }
        messages.Add(End(sequence));
        return ([.. messages.SelectMany(m => m)], parts);
    }

    public static byte[] Begin(uint sequence) => Control(BatchBegin, sequence);

    public static byte[] End(uint sequence) => Control(BatchEnd, sequence);

    /// <summary>NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM of <paramref name="command"/>'s elements (a delete names keys only), asking for an ACK.</summary>
    public static byte[] Elements(uint sequence, SetElementsCommand command)
    {
        var type = (ushort)(Subsystem << 8 | (command.Add ? NewSetElement : DeleteSetElement));
        var flags = (ushort)(FlagRequest | FlagAck | (command.Add ? FlagCreate : 0));
        var writer = new NetlinkWriter(type, flags, sequence)
            .Header([(byte)command.Family, NfnetlinkVersion, 0, 0])
            .PutString(ListTable, command.Table)
            .PutString(ListSet, command.Set)
            .BeginNested(ListElements | AttributeNested);
        for (var i = 0; i < command.Elements.Count; i++)
        {
            // libnftnl numbers the nests 1, 2, 3...; the kernel reads them in order and ignores the number.
            var element = command.Elements[i];
            writer.BeginNested((ushort)((ListElement + i) | AttributeNested))
                .BeginNested(ElementKey | AttributeNested).Put(DataValue, element.Key).EndNested();
            if (command.Add && element.Data is { } data)
            {
                writer.BeginNested(ElementData | AttributeNested);
                if (data.Value is { } value)
                {
                    writer.Put(DataValue, value);
                }
                else
                {
                    writer.BeginNested(DataVerdict | AttributeNested).PutBigEndianU32(VerdictCode, (uint)(int)data.Verdict);
                    if (data.Chain is { } chain)
                    {
                        writer.PutString(VerdictChain, chain);
                    }
                    writer.EndNested();
                }
                writer.EndNested();
            }
            if (command.Add && element.Comment is { } comment)
            {
                writer.Put(ElementUserData, CommentUserData(comment));
            }
            writer.EndNested();
        }
        return writer.EndNested().ToArray();
    }

    /// <summary>A comment as libnftnl's user data TLV: type NFTNL_UDATA_SET_ELEM_COMMENT, length (with the NUL), text, NUL.</summary>
    private static byte[] CommentUserData(string comment)
    {
        var text = Encoding.UTF8.GetBytes(comment);
        if (text.Length + 1 > byte.MaxValue)
        {
            throw new ArgumentException($"a comment holds at most {byte.MaxValue - 1} bytes: {comment}", nameof(comment));
        }
        return [UserDataComment, (byte)(text.Length + 1), .. text, 0];
    }

    /// <summary>A batch delimiter: AF_UNSPEC, NFNETLINK_V0, res_id NFNL_SUBSYS_NFTABLES in network byte order.</summary>
    private static byte[] Control(ushort type, uint sequence)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], Subsystem);
        return new NetlinkWriter(type, FlagRequest, sequence).Header(header).ToArray();
    }
}
