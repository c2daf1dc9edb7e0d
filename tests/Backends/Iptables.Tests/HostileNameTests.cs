using System.Text;
using Proxy.Backends.Testing;
using Proxy.Core.Text;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// Names no valid object has, rendered anyway: each stays inside its quoted comment, whatever it holds, and the real
/// iptables-restore takes the payload and reads every comment back as written.
/// </summary>
public class HostileNameTests
{
    [Theory]
    [InlineData("plain ns/web:http", "\"plain ns/web:http\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("line\nbreak\0nul\r", "\"line?break?nul?\"")]
    public void QuoteEscapesWhatIptablesRestoreReadsAsQuotingAndReplacesWhatEndsALine(string text, string expected) =>
        Assert.Equal(expected, RuleText.Quote(text));

    [Fact]
    public void AQuotedCommentHoldsAtMost255BytesCutOnACharacterBoundary()
    {
        var quoted = RuleText.Quote(new string('é', 200));

        Assert.Equal('"' + new string('é', 127) + '"', quoted);
        Assert.Equal(254, Encoding.UTF8.GetByteCount(Unquote(quoted)));
    }

    [Fact]
    public void EveryHostileNameStaysInsideOneCommentToken()
    {
        var payload = Payload();

        foreach (var line in Lines(payload))
        {
            Assert.True(line is "COMMIT" || line[0] is '*' or ':' or '#' || line.StartsWith("-A ", StringComparison.Ordinal)
                || line.StartsWith("-I ", StringComparison.Ordinal) || line.StartsWith("-X ", StringComparison.Ordinal), $"unexpected line: {line}");
            var tokens = Tokens(line);
            for (var i = 0; i < tokens.Count; i++)
            {
                Assert.False(tokens[i].Contains(HostileNames.Marker, StringComparison.Ordinal) && (i == 0 || tokens[i - 1] != "--comment"), $"{tokens[i]} escaped its comment in: {line}");
            }
        }
        // Escaped, not dropped: each name is still there for `iptables-save | grep` to find, as far as it fits.
        var comments = Comments(payload).ToHashSet(StringComparer.Ordinal);
        foreach (var name in HostileNames.All)
        {
            Assert.Contains(EmbeddedText.Printable($"{name} cluster IP", 255), comments);
        }
    }

    [Fact]
    public void TheRealIptablesRestoreAcceptsThePayloadAndSavesEveryCommentAsWritten()
    {
        using var ns = KernelNamespace.Create("iptables-restore", "iptables-save");
        var payload = Payload();

        var restored = ns.Exec("iptables-restore", payload, "--noflush");
        var saved = ns.Exec("iptables-save", null);

        Assert.True(restored.ExitCode == 0, restored.Error);
        foreach (var line in Lines(saved.Output).Where(l => l.StartsWith("-A ", StringComparison.Ordinal)))
        {
            var tokens = Tokens(line);
            Assert.DoesNotContain(tokens.Where((t, i) => i == 0 || tokens[i - 1] != "--comment"), t => t.Contains(HostileNames.Marker, StringComparison.Ordinal));
        }
        Assert.Equal(Comments(payload).ToHashSet(StringComparer.Ordinal), Comments(saved.Output).ToHashSet(StringComparer.Ordinal));
    }

    private static string Payload() =>
        RestorePlanner.Full(IptablesRenderer.Render(HostileNames.State(), new IptablesOptions()), KernelRules.Empty, out _).ToString();

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Where(l => l.Length > 0);

    private static IEnumerable<string> Comments(string text) =>
        Lines(text).Select(Tokens).SelectMany(t => t.Where((_, i) => i > 0 && t[i - 1] == "--comment"));

    private static string Unquote(string quoted) => Assert.Single(Tokens(quoted));

    /// <summary>A line split as iptables-restore splits it: on blanks outside double quotes, a backslash escaping inside them.</summary>
    private static List<string> Tokens(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, escaped = false, started = false;
        foreach (var c in line)
        {
            if (quoted)
            {
                if (escaped)
                {
                    current.Append(c);
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = started = true;
            }
            else if (c is ' ' or '\t')
            {
                if (started || current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    started = false;
                }
            }
            else
            {
                current.Append(c);
            }
        }
        Assert.False(quoted, $"unterminated quote in: {line}");
        if (started || current.Length > 0)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }
}
