using System.Globalization;

namespace Proxy.Bench;

/// <summary>
/// The figures the plot is drawn from: bench/results/scale.tsv, one row per (series, services, metric) with its value,
/// the machine's load and the date. Each benchmark run replaces its own rows and keeps the others', so one mode can be
/// re-measured alone.
/// </summary>
public static class BenchResults
{
    private const string Header = "series\tservices\tmetric\tvalue\tload\tdate";

    /// <summary>The machine's load averages (1, 5, 15 min), printed with every figure: this machine is shared.</summary>
    public static string Load() => "load " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>bench/results/scale.tsv of the repository this benchmark was built from.</summary>
    public static string DefaultPath => Path.Combine(RepositoryRoot(), "bench", "results", "scale.tsv");

    public static void Record(string series, int services, string metric, double value, string? path = null)
    {
        path ??= DefaultPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var rows = File.Exists(path) ? File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).ToList() : [];
        var key = string.Join('\t', series, services.ToString(CultureInfo.InvariantCulture), metric) + "\t";
        // A full sync that finished replaces one that did not, and the other way round.
        var other = metric switch { "full_sync_s" => "full_sync_unfinished_s", "full_sync_unfinished_s" => "full_sync_s", _ => metric };
        var otherKey = string.Join('\t', series, services.ToString(CultureInfo.InvariantCulture), other) + "\t";
        rows.RemoveAll(r => r.StartsWith(key, StringComparison.Ordinal) || r.StartsWith(otherKey, StringComparison.Ordinal));
        rows.Add(key + string.Join('\t', value.ToString("G6", CultureInfo.InvariantCulture), BenchResults.Load()[5..], DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        rows.Sort(StringComparer.Ordinal);
        File.WriteAllLines(path, [Header, .. rows]);
    }

    /// <summary>Every row: series, services, metric → value, and the 1-minute load average when it was taken (NaN if not known).</summary>
    public static IReadOnlyList<(string Series, int Services, string Metric, double Value, double Load)> Read(string? path = null)
    {
        path ??= DefaultPath;
        return !File.Exists(path) ? [] : [.. File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).Select(f =>
            (f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], double.Parse(f[3], CultureInfo.InvariantCulture),
                double.TryParse(f[4].Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : double.NaN))];
    }

    /// <summary>The repository root: the nearest directory above the benchmark's binaries that holds Proxy.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
