using System.Buffers.Binary;
using Proxy.Netlink.Nftables;

namespace Proxy.Netlink.Tests.Nftables;

/// <summary>
/// Byte goldens: what nft 1.0.6 sent (strace -e write=3) for this file, message by message, in a namespace holding
/// these sets and maps:
/// <code>
/// delete element ip kube-proxy cluster-endpoints-2 { 10.96.0.1 . tcp . 80 . 1 }
/// add element ip kube-proxy cluster-endpoints-2 { 10.96.0.1 . tcp . 80 . 1 comment "ns/svc:http" : 10.250.0.1 . 8080 }
/// add element ip kube-proxy service-ips { 10.96.0.1 . tcp . 80 comment "ns/svc:http" : goto c1, 10.96.0.2 . udp . 53 : drop }
/// add element ip kube-proxy hairpin-endpoints { 10.250.0.1 . 10.250.0.1 }
/// add element ip6 kube-proxy cluster-endpoints-2 { fd00::1 . tcp . 80 . 1 : fd00::2:1 . 8080 }
/// </code>
/// Ours differ in exactly the two ways <see cref="NftablesMessages"/> gives reasons for, applied to nft's bytes by
/// <see cref="AsWeSendIt"/>: NLM_F_ACK on element messages, no NFTA_SET_ELEM_LIST_SET_ID.
/// </summary>
public class NftablesMessagesTests
{
    private const string NftBegin = "140000001000010000000000000000000000000a";
    private const string NftDelete = "5c0000000e0a01000100000000000000020000000f0001006b7562652d70726f7879000018000200636c75737465722d656e64706f696e74732d3200200003801c00018018000180140001000a600001060000000050000001000000";
    private const string NftEndpoint = "880000000c0a01040200000000000000020000000f0001006b7562652d70726f7879000018000200636c75737465722d656e64706f696e74732d32000800040000000004440003804000018018000180140001000a600001060000000050000001000000100002800c0001000afa00011f90000012000600000c6e732f7376633a68747470000000";
    private const string NftVerdicts = "ac0000000c0a01040300000000000000020000000f0001006b7562652d70726f7879000010000200736572766963652d697073000800040000000001700003804400018014000180100001000a6000010600000000500000180002801400028008000100fffffffc070002006331000012000600000c6e732f7376633a687474700000002800028014000180100001000a6000021100000000350000100002800c0002800800010000000000";
    private const string NftHairpin = "5c0000000c0a01040400000000000000020000000f0001006b7562652d70726f78790000160002006861697270696e2d656e64706f696e747300000008000400000000031800038014000180100001800c0001000afa00010afa0001";
    private const string NftIpv6Endpoint = "8c0000000c0a010405000000000000000a0000000f0001006b7562652d70726f7879000018000200636c75737465722d656e64706f696e74732d3200080004000000000548000380440001802400018020000100fd0000000000000000000000000000010600000000500000010000001c00028018000100fd0000000000000000000000000200011f900000";
    private const string NftEnd = "140000001100010006000000000000000000000a";

    private static readonly byte[] Http = [0x0a, 0x60, 0x00, 0x01, 6, 0, 0, 0, 0x00, 0x50, 0, 0];

    private static readonly SetElementsCommand[] Commands =
    [
        new(false, NetlinkConstants.AfInet, "kube-proxy", "cluster-endpoints-2", [new SetElement([.. Http, 1, 0, 0, 0])]),
        new(true, NetlinkConstants.AfInet, "kube-proxy", "cluster-endpoints-2",
            [new SetElement([.. Http, 1, 0, 0, 0], SetElementData.Bytes([0x0a, 0xfa, 0x00, 0x01, 0x1f, 0x90, 0, 0]), "ns/svc:http")]),
        new(true, NetlinkConstants.AfInet, "kube-proxy", "service-ips",
        [
            new SetElement(Http, SetElementData.Of(SetElementVerdict.Goto, "c1"), "ns/svc:http"),
            new SetElement([0x0a, 0x60, 0x00, 0x02, 17, 0, 0, 0, 0x00, 0x35, 0, 0], SetElementData.Of(SetElementVerdict.Drop)),
        ]),
        new(true, NetlinkConstants.AfInet, "kube-proxy", "hairpin-endpoints", [new SetElement([0x0a, 0xfa, 0x00, 0x01, 0x0a, 0xfa, 0x00, 0x01])]),
        new(true, NetlinkConstants.AfInet6, "kube-proxy", "cluster-endpoints-2",
        [
            new SetElement([0xfd, .. new byte[14], 1, 6, 0, 0, 0, 0x00, 0x50, 0, 0, 1, 0, 0, 0],
                SetElementData.Bytes([0xfd, .. new byte[12], 0x02, 0x00, 0x01, 0x1f, 0x90, 0, 0])),
        ]),
    ];

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    [Fact]
    public void TheBatchDelimitersAreNfts() => Assert.Equal(
        NftBegin + NftEnd,
        Hex([.. NftablesMessages.Begin(0), .. NftablesMessages.End(6)]));

    [Theory]
    [InlineData(0, NftDelete)]
    [InlineData(1, NftEndpoint)]
    [InlineData(2, NftVerdicts)]
    [InlineData(3, NftHairpin)]
    [InlineData(4, NftIpv6Endpoint)]
    public void EachElementMessageIsNftsWithAnAck(int command, string nft) =>
        Assert.Equal(AsWeSendIt(nft), Hex(NftablesMessages.Elements((uint)command + 1, Commands[command])));

    [Fact]
    public void ABatchIsOneDatagram_BeginElementsEnd_InSequence()
    {
        var (datagram, parts) = NftablesMessages.Batch(0, Commands);

        Assert.Equal(NftBegin + string.Concat(new[] { NftDelete, NftEndpoint, NftVerdicts, NftHairpin, NftIpv6Endpoint }.Select(AsWeSendIt)) + NftEnd, Hex(datagram));
        Assert.Equal([1u, 2, 3, 4, 5], parts.Select(p => p.Sequence));
        Assert.Equal("service-ips", parts[2].Command.Set);
    }

    [Fact]
    public void ManyElementsOfOneSetAreSplitAcrossMessages_EachNamingTheSet()
    {
        var many = new SetElementsCommand(true, NetlinkConstants.AfInet, "kube-proxy", "cluster-ips",
            [.. Enumerable.Range(0, NftablesMessages.ElementsPerMessage + 1).Select(i => new SetElement([10, 96, 0, (byte)i]))]);

        var (datagram, parts) = NftablesMessages.Batch(7, [many]);

        Assert.Equal([8u, 9], parts.Select(p => p.Sequence));
        var messages = NetlinkReplies.Split(datagram);
        Assert.Equal([0x10, 0x0a0c, 0x0a0c, 0x11], messages.Select(m => (int)m.Type));
        Assert.Equal([7u, 8, 9, 10], messages.Select(m => m.Sequence));
    }

    /// <summary>nft's message with NLM_F_ACK set and its NFTA_SET_ELEM_LIST_SET_ID attribute (type 4, 8 bytes) taken out.</summary>
    private static string AsWeSendIt(string nft)
    {
        var bytes = Convert.FromHexString(nft).ToList();
        bytes[7 - 1] |= 0x04; // nlmsg_flags, low byte
        for (var offset = 20; offset < bytes.Count;)
        {
            var length = bytes[offset] | bytes[offset + 1] << 8;
            if ((bytes[offset + 2] | bytes[offset + 3] << 8) == 4)
            {
                bytes.RemoveRange(offset, 8);
                break;
            }
            offset += (length + 3) & ~3;
        }
        var message = bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        return Hex(message);
    }
}
