using System.Globalization;
using System.Text;

namespace Proxy.Core.Text;

/// <summary>
/// Text taken from Kubernetes objects (namespaces, names, port names), made safe to embed in a kernel tool's payload:
/// whatever it holds, it stays inside the one token of one line it was put in. Validation keeps such names out of the
/// model already; this is each renderer's own guarantee, whatever the source of the model.
/// </summary>
public static class EmbeddedText
{
    private const char Substitute = '?';

    /// <summary>
    /// <paramref name="text"/> with every character that could end a line or hide itself (control characters such as
    /// newline and NUL, format characters, line and paragraph separators) replaced by <c>?</c>, and cut before the first
    /// character that would take it past <paramref name="maxBytes"/> bytes of UTF-8: the tools count bytes, and a cut
    /// inside a character would leave invalid UTF-8. An unpaired surrogate becomes U+FFFD, as UTF-8 has no way to say it.
    /// </summary>
    public static string Printable(string text, int maxBytes)
    {
        // Every name a valid object can have is printable ASCII: one vectorized scan, no copy.
        if (text.Length <= maxBytes && !text.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return text;
        }
        var result = new StringBuilder(Math.Min(text.Length, maxBytes));
        Span<char> buffer = stackalloc char[2];
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var kept = IsPrintable(rune) ? rune : new Rune(Substitute);
            if (bytes + kept.Utf8SequenceLength > maxBytes)
            {
                break;
            }
            bytes += kept.Utf8SequenceLength;
            result.Append(buffer[..kept.EncodeToUtf16(buffer)]);
        }
        return result.ToString();
    }

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
