using System.Globalization;

namespace Proxy.Configuration;

/// <summary>Formats a duration as Go's time.Duration.String does (what upstream writes): 30s, 15m0s, 24h0m0s, 500ms, 0s.</summary>
public static class GoDurationFormat
{
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(duration.Negate());
        }
        if (duration < TimeSpan.FromSeconds(1))
        {
            return duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
        }
        var hours = (long)duration.TotalHours;
        var seconds = (duration.Seconds + (duration.Milliseconds / 1000.0)).ToString(CultureInfo.InvariantCulture) + "s";
        return hours > 0 ? $"{hours}h{duration.Minutes}m{seconds}"
            : duration.Minutes > 0 ? $"{duration.Minutes}m{seconds}"
            : seconds;
    }
}
