using System.Globalization;

namespace Proxy.Conntrack;

/// <summary>
/// The host's CPU count for --conntrack-max-per-core, read as upstream's detectNumCPU does: from the CPUs sysfs lists
/// online, not from what this process may use, which a cpuset or CPU manager policy can cut to one or two and so
/// shrink nf_conntrack_max for the whole node (kubernetes#99225). Falls back to the runtime's count.
/// </summary>
public static class HostCpus
{
    private const string Online = "/sys/devices/system/cpu/online";

    public static int Count() => (File.Exists(Online) ? Parse(File.ReadAllText(Online)) : null) ?? Environment.ProcessorCount;

    /// <summary>The number of CPUs in a sysfs CPU list ("0-3,8,10-11"), or null when it is not one.</summary>
    public static int? Parse(string list)
    {
        var count = 0;
        foreach (var range in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = range.Split('-');
            if (bounds.Length is not (1 or 2)
                || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first)
            {
                return null;
            }
            count += last - first + 1;
        }
        return count > 0 ? count : null;
    }
}
