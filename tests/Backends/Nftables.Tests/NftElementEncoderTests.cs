using Proxy.Netlink.Nftables;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The strict reader: element-only transactions over the set kinds the renderer makes are laid out field by field;
/// anything else it does not recognise in every detail gives null (nft reads the text), never a guessed encoding.
/// </summary>
public class NftElementEncoderTests
{
    private static readonly Dictionary<string, NftSet> Sets = new NftSet[]
    {
        new("ip", "kube-proxy", "map", "service-ips", "type ipv4_addr . inet_proto . inet_service : verdict"),
        new("ip", "kube-proxy", "set", "hairpin-endpoints", "type ipv4_addr . ipv4_addr"),
        new("ip", "kube-proxy", "map", "nodeport-cluster-endpoints-3", "typeof meta l4proto . th dport . numgen random mod 3 : ip daddr . tcp dport"),
        new("ip6", "kube-proxy", "map", "cluster-endpoints-2", "typeof ip6 daddr . meta l4proto . th dport . numgen random mod 2 : ip6 daddr . udp dport"),
        new("ip", "kube-proxy", "set", "firewall-allow", "type ipv4_addr . inet_proto . inet_service . ipv4_addr ; flags interval"),
        new("ip", "kube-proxy", "set", "affinity-x", "type ipv4_addr ; flags dynamic,timeout ; timeout 10800s"),
    }.ToDictionary(s => s.Name);

    private static List<SetElementsCommand>? Encode(NftTransaction transaction) => NftElementEncoder.Encode(transaction, Sets.GetValueOrDefault);

    private static NftTransaction Add(string set, params NftElement[] elements) =>
        new NftTransaction().Add(new NftElements(set.StartsWith("cluster", StringComparison.Ordinal) ? "ip6" : "ip", "kube-proxy", set, elements));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    [Fact]
    public void FieldsGoInFourByteSlots_NumgenInHostOrder_PortsInNetworkOrder()
    {
        var command = Assert.Single(Encode(Add("nodeport-cluster-endpoints-3", new NftElement("udp . 30053 . 2", "10.244.1.2 . 53", "ns/dns:dns")))!);

        var element = Assert.Single(command.Elements);
        Assert.Equal("11000000" + "75650000" + "02000000", Hex(element.Key));
        Assert.Equal("0af40102" + "00350000", Hex(element.Data!.Value!));
        Assert.Equal("ns/dns:dns", element.Comment);
        Assert.True(command.Add);
    }

    [Fact]
    public void VerdictsAndIpv6()
    {
        var verdicts = Encode(Add("service-ips", new NftElement("10.96.0.1 . tcp . 80", "goto cluster-dnat-2"), new NftElement("10.96.0.2 . sctp . 9", "drop")))!;
        Assert.Equal([new SetElementData(null, SetElementVerdict.Goto, "cluster-dnat-2"), SetElementData.Of(SetElementVerdict.Drop)], verdicts[0].Elements.Select(e => e.Data));

        var v6 = Assert.Single(Encode(Add("cluster-endpoints-2", new NftElement("fd00::1 . udp . 53 . 1", "fd00::2:1 . 5353")))!);
        Assert.Equal("fd000000000000000000000000000001" + "11000000" + "00350000" + "01000000", Hex(v6.Elements[0].Key));
    }

    [Fact]
    public void ADeleteNamesKeysOnly()
    {
        var delete = new NftTransaction().Delete(new NftElements("ip", "kube-proxy", "hairpin-endpoints", [new NftElement("10.244.0.1 . 10.244.0.1")]));

        var command = Assert.Single(Encode(delete)!);
        Assert.False(command.Add);
        Assert.Equal("0af40001" + "0af40001", Hex(command.Elements[0].Key));
    }

    public static TheoryData<string, NftTransaction> NotForTheBatch => new()
    {
        { "a rule", new NftTransaction().Add(new NftRule("ip", "kube-proxy", "services", "jump x")) },
        { "a flush", new NftTransaction().Flush(new NftElements("ip", "kube-proxy", "hairpin-endpoints", [new NftElement("10.0.0.1 . 10.0.0.1")])) },
        { "an interval set", Add("firewall-allow", new NftElement("203.0.113.1 . tcp . 80 . 192.0.2.0/24")) },
        { "a timeout set", Add("affinity-x", new NftElement("10.0.0.1")) },
        { "an unknown set", Add("nowhere", new NftElement("10.0.0.1")) },
        { "a short address", Add("hairpin-endpoints", new NftElement("10.1 . 10.0.0.1")) },
        { "an IPv6 address in an IPv4 set", Add("hairpin-endpoints", new NftElement("::1 . 10.0.0.1")) },
        { "a protocol by number", Add("service-ips", new NftElement("10.96.0.1 . 6 . 80", "drop")) },
        { "a port out of range", Add("service-ips", new NftElement("10.96.0.1 . tcp . 65536", "drop")) },
        { "a port with a leading zero", Add("service-ips", new NftElement("10.96.0.1 . tcp . 080", "drop")) },
        { "an index past the modulus", Add("nodeport-cluster-endpoints-3", new NftElement("tcp . 30080 . 3", "10.0.0.1 . 80")) },
        { "a field too many", Add("hairpin-endpoints", new NftElement("10.0.0.1 . 10.0.0.1 . 10.0.0.1")) },
        { "a map element without a value", Add("service-ips", new NftElement("10.96.0.1 . tcp . 80")) },
        { "a verdict it does not know", Add("service-ips", new NftElement("10.96.0.1 . tcp . 80", "queue")) },
        { "a quoted chain", Add("service-ips", new NftElement("10.96.0.1 . tcp . 80", "goto \"x y\"")) },
    };

    [Theory]
    [MemberData(nameof(NotForTheBatch))]
    public void AnythingElseIsLeftToNft(string what, NftTransaction transaction) => Assert.True(Encode(transaction) is null, what);
}
