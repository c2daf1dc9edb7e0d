using System.Text.RegularExpressions;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Comparing kernel dumps: as sorted lines without packet counters or comment lines (iptables-save's timestamps),
/// duplicates kept (a duplicate rule is a fault).
/// </summary>
internal static partial class Dumps
{
    public static List<string> Lines(string dump) =>
        [.. dump.Split('\n').Select(l => Counters().Replace(l, "")).Where(l => l.Trim().Length > 0 && !l.StartsWith('#')).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial Regex Counters();
}
