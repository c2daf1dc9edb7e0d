using System.Text;
using System.Text.RegularExpressions;
using Proxy.Backends.Testing;
using Proxy.Core.Text;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Names no valid object has, rendered anyway: each stays inside its quoted comment (nft's quoted strings have no
/// escapes, so a <c>"</c> cannot be let through), within nft's 128 bytes, and the real nft takes the transaction
/// without running anything a name holds.
/// </summary>
public partial class HostileNameTests
{
    [Theory]
    [InlineData("ns/web:http", "comment \"ns/web:http\"")]
    [InlineData("a\"b\\c", "comment \"a'b\\c\"")]
    [InlineData("x\n}\nflush ruleset\0", "comment \"x?}?flush ruleset?\"")]
    public void ACommentNeverHoldsADoubleQuoteOrACharacterThatEndsALine(string text, string expected) =>
        Assert.Equal(expected, NftObject.Comment(text));

    [Fact]
    public void ACommentHoldsAtMost128BytesCutOnACharacterBoundary()
    {
        var comment = NftObject.Comment(string.Concat(Enumerable.Repeat("a€", 40)));

        var text = comment["comment \"".Length..^1];
        Assert.Equal(128, Encoding.UTF8.GetByteCount(text));
        Assert.Equal(string.Concat(Enumerable.Repeat("a€", 32)), text);
    }

    [Fact]
    public void EveryHostileNameStaysInsideOneQuotedComment()
    {
        var transaction = Transaction();

        foreach (var line in transaction.Split('\n').Where(l => l.Length > 0))
        {
            Assert.Matches("^(add|delete|flush) (table|chain|rule|map|set|element) ", line);
            var outside = QuotedString().Replace(line, "");
            Assert.DoesNotContain("\"", outside);
            Assert.DoesNotContain(HostileNames.Marker, outside);
        }
        Assert.DoesNotContain("flush ruleset", transaction.Split('\n'));
        foreach (var name in HostileNames.All)
        {
            Assert.Contains(NftObject.Comment(name.ToString()), transaction);
            Assert.Contains($"\"{EmbeddedText.Printable(name.ToString(), 128).Replace('"', '\'')}\"", transaction);
        }
    }

    [Fact]
    public void TheRealNftAppliesTheTransactionAndRunsNothingANameHolds()
    {
        using var ns = KernelNamespace.Create("nft");
        Assert.Equal(0, ns.Exec("nft", null, "add", "table", "inet", "sentinel").ExitCode);

        var applied = ns.Exec("nft", Transaction(), "-f", "-");
        var tables = ns.Exec("nft", null, "list", "tables");
        var listed = ns.Exec("nft", null, "list", "ruleset");

        Assert.True(applied.ExitCode == 0, applied.Error);
        // "flush ruleset" would have removed the sentinel; "add table ip INJECTED" would have made a table.
        Assert.Equal(["table inet sentinel", "table ip kube-proxy"], tables.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        foreach (var name in HostileNames.All)
        {
            Assert.Contains(NftObject.Comment(name.ToString()), listed.Output);
        }
    }

    private static string Transaction() => NftPlanner.Full(NftRenderer.Render(HostileNames.State(), new NftablesOptions())).ToString();

    [GeneratedRegex("\"[^\"\n]*\"")]
    private static partial Regex QuotedString();
}
