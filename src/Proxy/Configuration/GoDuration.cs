using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Configuration;

/// <summary>
/// Parses durations the way upstream's flags (Go's time.ParseDuration) write them: a sequence of
/// decimal numbers with units ns, us, µs, ms, s, m, h, e.g. "1s", "1m30s", "500ms", "0", with an optional sign
/// ("-1s": validation, not parsing, is what rejects a negative period, as upstream).
/// </summary>
public static partial class GoDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var negative = text.StartsWith('-');
        if (negative || text.StartsWith('+'))
        {
            text = text[1..];
        }
        if (text == "0")
        {
            return true;
        }
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            return false;
        }
        double ticks = 0;
        foreach (Match m in matches)
        {
            var number = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += number * m.Groups[2].Value switch
            {
                "ns" => TimeSpan.TicksPerMicrosecond / 1000.0,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }
        duration = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
