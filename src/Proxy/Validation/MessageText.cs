using System.Globalization;
using System.Text;

namespace Proxy.Validation;

/// <summary>
/// Object text quoted for a log message, as Go's %q quotes it: whatever a name holds, the message stays one line that
/// says exactly what was read, and a 2,000-character name does not become a 2,000-character warning.
/// </summary>
public static class MessageText
{
    private const int MaxQuoted = 80;
    private const int MaxLine = 2000;

    /// <summary>In double quotes, with <c>"</c>, <c>\</c> and every non-printable character escaped; cut after 80 characters.</summary>
    public static string Quote(string? text) => text is null ? "(none)" : Escape(text, quoted: true, MaxQuoted);

    /// <summary>
    /// A message that may quote object text (a parser's, a warning built from an object's fields): one line, non-printable characters escaped as
    /// <see cref="Quote"/> escapes them, cut after 2,000 characters.
    /// </summary>
    public static string Line(string text) => Escape(text, quoted: false, MaxLine);

    private static string Escape(string text, bool quoted, int max)
    {
        var result = new StringBuilder(quoted ? "\"" : "");
        var shown = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (shown++ == max)
            {
                return quoted ? result.Append(CultureInfo.InvariantCulture, $"...\" ({text.Length} characters)").ToString() : result.Append("...").ToString();
            }
            result.Append(rune.Value switch
            {
                '"' when quoted => "\\\"",
                '\\' when quoted => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                    or UnicodeCategory.ParagraphSeparator => rune.Value <= 0xffff
                        ? string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}")
                        : string.Create(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}"),
                _ => rune.ToString(),
            });
        }
        return quoted ? result.Append('"').ToString() : result.ToString();
    }
}
