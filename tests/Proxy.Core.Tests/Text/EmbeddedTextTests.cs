using System.Text;
using Proxy.Core.Text;

namespace Proxy.Core.Tests.Text;

public class EmbeddedTextTests
{
    [Fact]
    public void PrintableAsciiThatFitsIsTheSameString()
    {
        var name = "kube-system/kube-dns:dns-tcp";

        Assert.Same(name, EmbeddedText.Printable(name, 128));
    }

    [Theory]
    [InlineData("a\nb", "a?b")]
    [InlineData("a\r\nb", "a??b")]
    [InlineData("a\0b\tc\u007f", "a?b?c?")]
    [InlineData("a\u0085b\u2028c\u2029d", "a?b?c?d")]
    [InlineData("bidi\u202eevil\u200b", "bidi?evil?")]
    [InlineData("ñandú", "ñandú")]
    public void CharactersThatEndALineOrHideThemselvesBecomeQuestionMarks(string text, string expected) =>
        Assert.Equal(expected, EmbeddedText.Printable(text, 128));

    [Fact]
    public void AnUnpairedSurrogateBecomesTheReplacementCharacter() =>
        Assert.Equal("a\ufffdb", EmbeddedText.Printable("a\ud800b", 128));

    [Theory]
    [InlineData("abcdef", 4, "abcd")]
    [InlineData("ééé", 5, "éé")]
    [InlineData("a😀b", 4, "a")]
    [InlineData("a😀b", 5, "a😀")]
    public void ItIsCutToTheByteLimitBeforeACharacterThatDoesNotFitWhole(string text, int maxBytes, string expected)
    {
        var result = EmbeddedText.Printable(text, maxBytes);

        Assert.Equal(expected, result);
        Assert.True(Encoding.UTF8.GetByteCount(result) <= maxBytes);
    }
}
