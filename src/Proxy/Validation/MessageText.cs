using System.Globalization;
using System.Text;

namespace Proxy.Validation;

/// <summary>
/// Object text quoted for a log message, as Go's %q quotes it: whatever a name holds, the message stays one line that
/// says exactly what was read, and a 2,000-character name does not become a 2,000-character warning.
/// </summary>
public static class MessageText
{
    private const int MaxCharacters = 80;

    /// <summary>In double quotes, with <c>"</c>, <c>\</c> and every non-printable character escaped; cut after 80 characters.</summary>
    public static string Quote(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }
        var result = new StringBuilder("\"");
        var shown = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (shown++ == MaxCharacters)
            {
                result.Append(CultureInfo.InvariantCulture, $"...\" ({text.Length} characters)");
                return result.ToString();
            }
            result.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
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
        return result.Append('"').ToString();
    }
}
