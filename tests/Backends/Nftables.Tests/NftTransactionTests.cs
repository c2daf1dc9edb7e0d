namespace Proxy.Backends.Nftables.Tests;

public class NftTransactionTests
{
    private const string T = "kube-proxy";

    [Theory]
    [InlineData(NftVerb.Add, "add table ip kube-proxy { comment \"rules for kube-proxy-sharp\" ; }")]
    [InlineData(NftVerb.Delete, "delete table ip kube-proxy")]
    [InlineData(NftVerb.Flush, "flush table ip kube-proxy")]
    public void Tables(NftVerb verb, string expected) => AssertPrints(verb, new NftTable("ip", T, "rules for kube-proxy-sharp"), expected);

    [Theory]
    [InlineData(NftVerb.Add, "add chain ip6 kube-proxy nat-output { type nat hook output priority -100 ; policy accept ; }")]
    [InlineData(NftVerb.Delete, "delete chain ip6 kube-proxy nat-output")]
    [InlineData(NftVerb.Flush, "flush chain ip6 kube-proxy nat-output")]
    public void BaseChains(NftVerb verb, string expected) => AssertPrints(verb, new NftChain("ip6", T, "nat-output", "type nat hook output priority -100"), expected);

    [Theory]
    [InlineData(NftVerb.Add, "add chain ip kube-proxy cluster-dnat-3")]
    [InlineData(NftVerb.Delete, "delete chain ip kube-proxy cluster-dnat-3")]
    public void RegularChains(NftVerb verb, string expected) => AssertPrints(verb, new NftChain("ip", T, "cluster-dnat-3"), expected);

    [Fact]
    public void Rules() => AssertPrints(NftVerb.Add, new NftRule("ip", T, "reject-chain", "reject"), "add rule ip kube-proxy reject-chain reject");

    [Theory]
    [InlineData(NftVerb.Add, "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }")]
    [InlineData(NftVerb.Delete, "delete map ip kube-proxy service-ips")]
    [InlineData(NftVerb.Flush, "flush map ip kube-proxy service-ips")]
    public void Maps(NftVerb verb, string expected) =>
        AssertPrints(verb, new NftSet("ip", T, "map", "service-ips", "type ipv4_addr . inet_proto . inet_service : verdict"), expected);

    [Theory]
    [InlineData(NftVerb.Add, "add set ip kube-proxy hairpin-endpoints { type ipv4_addr . ipv4_addr ; }")]
    [InlineData(NftVerb.Delete, "delete set ip kube-proxy hairpin-endpoints")]
    public void Sets(NftVerb verb, string expected) => AssertPrints(verb, new NftSet("ip", T, "set", "hairpin-endpoints", "type ipv4_addr . ipv4_addr"), expected);

    [Theory]
    [InlineData(NftVerb.Add, "add element ip kube-proxy service-ips { 10.96.0.10 . tcp . 80 comment \"default/web:http\" : goto cluster-dnat-3, 10.96.0.11 . udp . 53 : goto cluster-dnat-1 }")]
    [InlineData(NftVerb.Delete, "delete element ip kube-proxy service-ips { 10.96.0.10 . tcp . 80, 10.96.0.11 . udp . 53 }")]
    public void Elements(NftVerb verb, string expected) => AssertPrints(verb, new NftElements("ip", T, "service-ips",
        [new NftElement("10.96.0.10 . tcp . 80", "goto cluster-dnat-3", "default/web:http"), new NftElement("10.96.0.11 . udp . 53", "goto cluster-dnat-1")]), expected);

    [Theory]
    [InlineData(NftVerb.Add)]
    [InlineData(NftVerb.Delete)]
    public void ALongElementLineIsWrittenInParts_AsTheSameText(NftVerb verb)
    {
        // A full sync's shared map holds ~100k elements in one line; the writer gets it a thousand or so at a time, and
        // the joins between parts (", ") must be where a whole line has them.
        var elements = new NftElements("ip", T, "hairpin-endpoints", [.. Enumerable.Range(0, 2500).Select(i => new NftElement($"10.128.{i / 256}.{i % 256} . 10.128.{i / 256}.{i % 256}"))]);
        var transaction = new NftTransaction().Add(new NftTable("ip", T, "x"));
        _ = verb == NftVerb.Add ? transaction.Add(elements) : transaction.Delete(elements);
        var text = new System.Text.StringBuilder();
        foreach (var piece in transaction.Input.Pieces)
        {
            text.Append(piece.Span);
        }

        Assert.Equal($"add table ip kube-proxy {{ comment \"x\" ; }}\n{(verb == NftVerb.Add ? "add " : "delete ")}{elements.Print(verb)}\n", text.ToString());
        Assert.Equal(text.ToString(), transaction.ToString());
    }

    [Fact]
    public void CommentsAreBoundedTo128Bytes() =>
        Assert.Equal(128 + "comment \"\"".Length, NftObject.Comment(new string('x', 300)).Length);

    [Fact]
    public void AnEmptyElementListIsLeftOut_NftRejectsIt()
    {
        var transaction = new NftTransaction().Add(new NftElements("ip", T, "service-ips", []));

        Assert.True(transaction.IsEmpty);
        Assert.Equal("", transaction.ToString());
    }

    [Fact]
    public void LinesComeInTheOrderGiven()
    {
        var table = new NftTable("ip", T);
        var text = new NftTransaction().Add(table).Delete(table).Add(new NftChain("ip", T, "services")).ToString();

        Assert.Equal("add table ip kube-proxy\ndelete table ip kube-proxy\nadd chain ip kube-proxy services\n", text);
    }

    private static void AssertPrints(NftVerb verb, NftObject item, string expected)
    {
        var transaction = verb switch
        {
            NftVerb.Add => new NftTransaction().Add(item),
            NftVerb.Delete => new NftTransaction().Delete(item),
            _ => new NftTransaction().Flush(item),
        };
        Assert.Equal(expected + "\n", transaction.ToString());
    }
}
