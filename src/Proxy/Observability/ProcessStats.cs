using System.Globalization;
using Prometheus;

namespace Proxy.Observability;

/// <summary>
/// The process and runtime metrics: prometheus-net's (process_cpu_seconds_total, process_start_time_seconds,
/// process_virtual_memory_bytes, process_open_handles, dotnet_total_memory_bytes, dotnet_collection_count_total, ...)
/// plus the ones of Go's process collector that dashboards read and it lacks (process_resident_memory_bytes,
/// process_open_fds, process_max_fds), read from /proc/self at each scrape.
/// </summary>
public static class ProcessStats
{
    public static void Register(CollectorRegistry registry)
    {
        DotNetStats.Register(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        var openFds = factory.CreateGauge("process_open_fds", "Number of open file descriptors.");
        var maxFds = factory.CreateGauge("process_max_fds", "Maximum number of open file descriptors.");
        registry.AddBeforeCollectCallback(() =>
        {
            if (ResidentBytes() is { } rss)
            {
                resident.Set(rss);
            }
            if (Directory.Exists("/proc/self/fd"))
            {
                openFds.Set(Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
            }
            if (MaxOpenFiles() is { } max)
            {
                maxFds.Set(max);
            }
        });
    }

    /// <summary>VmRSS of /proc/self/status ("VmRSS:  12345 kB").</summary>
    private static double? ResidentBytes() =>
        ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) is { } line
        && double.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
            ? kb * 1024 : null;

    /// <summary>The soft limit of "Max open files" in /proc/self/limits.</summary>
    private static double? MaxOpenFiles() =>
        ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal)) is { } line
        && double.TryParse(line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            ? max : null;

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
