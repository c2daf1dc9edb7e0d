using System.Buffers;

namespace Proxy.Backends.Iptables.Tests;

public class PackedRulesTests
{
    private static readonly string[] Rules =
    [
        "-s 10.244.1.2/32 -m comment --comment \"ns/café:http\" -j KUBE-MARK-MASQ",
        "",
        "-p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080",
    ];

    [Fact]
    public void RulesComeBackAsTheyWentIn_ByEnumerationAndByIndex()
    {
        var packed = new PackedRules(Rules);

        Assert.Equal(3, packed.Count);
        Assert.Equal(Rules, packed);
        Assert.Equal(Rules, Enumerable.Range(0, packed.Count).Select(i => packed[i]));
        Assert.Throws<ArgumentOutOfRangeException>(() => packed[3]);
        Assert.Empty(PackedRules.Empty);
    }

    [Fact]
    public void TwoPacksAreEqualWhenTheirRulesAre_InOrder()
    {
        var packed = new PackedRules(Rules);

        Assert.Equal(packed, new PackedRules(Rules.ToList()));
        Assert.Equal(packed.GetHashCode(), new PackedRules(Rules.ToList()).GetHashCode());
        Assert.NotEqual(packed, new PackedRules(Rules.Reverse()));
        Assert.NotEqual(packed, new PackedRules(Rules[..2]));
        Assert.NotEqual(PackedRules.Empty, new PackedRules([""]));
        // Two chains differ by their rules alone: ChainRules compares them by content, not by instance.
        Assert.Equal(new ChainRules("nat", "KUBE-SEP-X", packed, "ns/a:http"), new ChainRules("nat", "KUBE-SEP-X", new PackedRules(Rules), "ns/a:http"));
    }

    /// <summary>A rule is one payload line: one with a newline in it would smuggle in a line nobody rendered.</summary>
    [Fact]
    public void ARuleWithANewlineIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new PackedRules(["-j ACCEPT", "-m comment --comment \"x\n-A INPUT -j ACCEPT\" -j DROP"]));

        Assert.Contains("must be one line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAppendsWritesEveryRuleAsAPayloadLineOfItsChain()
    {
        var into = new ArrayBufferWriter<char>();
        into.Write("before\n");

        new PackedRules(Rules).WriteAppends("KUBE-SEP-X", into);

        Assert.Equal("before\n" + string.Concat(Rules.Select(r => $"-A KUBE-SEP-X {r}\n")), into.WrittenSpan.ToString());
    }

    [Fact]
    public void WriteAppendsGoesOnWhereItStopped_AChainInPiecesIsTheSameText()
    {
        var rules = new PackedRules(Enumerable.Range(0, 100).Select(i => $"-d 10.96.0.{i}/32 -j KUBE-SVC-{i}"));
        var whole = new ArrayBufferWriter<char>();
        Assert.Equal(-1, rules.WriteAppends("KUBE-SERVICES", whole));

        var pieces = new List<string>();
        var piece = new ArrayBufferWriter<char>();
        var from = 0;
        do
        {
            piece.ResetWrittenCount();
            from = rules.WriteAppends("KUBE-SERVICES", piece, from, atLeast: 200);
            pieces.Add(piece.WrittenSpan.ToString());
        }
        while (from >= 0);

        Assert.True(pieces.Count > 10, $"{pieces.Count} pieces");
        Assert.All(pieces, p => Assert.EndsWith("\n", p, StringComparison.Ordinal));
        Assert.Equal(whole.WrittenSpan.ToString(), string.Concat(pieces));
    }

    [Fact]
    public void AChainAppendedToMoreThanOnceKeepsEveryPartInOrder()
    {
        var transaction = new RestoreTransaction();
        transaction.Declare("nat", "KUBE-X");
        transaction.Append("nat", "KUBE-X", new PackedRules(["-j A", "-j B"]));
        transaction.Append("nat", "KUBE-X", "-j C");
        transaction.Declare("nat", "KUBE-Y");
        transaction.Append("nat", "KUBE-Y", new PackedRules(["-j D"]));

        Assert.Equal("*nat\n:KUBE-X - [0:0]\n:KUBE-Y - [0:0]\n-A KUBE-X -j A\n-A KUBE-X -j B\n-A KUBE-X -j C\n-A KUBE-Y -j D\nCOMMIT\n", transaction.ToString());
        Assert.Equal(4, transaction.RulesWritten);
    }
}
