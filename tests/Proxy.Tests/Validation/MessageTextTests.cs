using Proxy.Validation;

namespace Proxy.Tests.Validation;

public class MessageTextTests
{
    [Theory]
    [InlineData("web", "\"web\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("a\nb\r\tc", "\"a\\nb\\r\\tc\"")]
    [InlineData("a\0b\u001b\u2028\u202e", "\"a\\u0000b\\u001b\\u2028\\u202e\"")]
    [InlineData("ñandú", "\"ñandú\"")]
    [InlineData(null, "(none)")]
    public void QuotesAsGoQuotesSoAMessageStaysOneLine(string? text, string expected) => Assert.Equal(expected, MessageText.Quote(text));

    [Fact]
    public void ALongTextIsCutAndSaysHowLongItWas()
    {
        var quoted = MessageText.Quote(new string('x', 2000));

        Assert.Equal($"\"{new string('x', 80)}...\" (2000 characters)", quoted);
    }
}
