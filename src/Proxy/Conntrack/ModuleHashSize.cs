using System.Globalization;

namespace Proxy.Conntrack;

/// <summary>
/// <see cref="IConntrackHashSize"/> through /sys/module/nf_conntrack/parameters/hashsize, as upstream writes it (the
/// nf_conntrack_buckets sysctl is writable only on newer kernels). With <paramref name="dryRun"/>, reads are real and
/// a write is printed as the command that would make it.
/// </summary>
public sealed class ModuleHashSize(TextWriter? dryRun = null) : IConntrackHashSize
{
    private const string Path = "/sys/module/nf_conntrack/parameters/hashsize";

    public int? Get()
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var buckets) ? buckets : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not loaded, or not readable by this user (the file is root's; a --dry-run may run as anyone).
            return null;
        }
    }

    public void Set(int buckets)
    {
        var value = buckets.ToString(CultureInfo.InvariantCulture);
        if (dryRun is not null)
        {
            dryRun.WriteLine($"# echo {value} > {Path}");
            return;
        }
        File.WriteAllText(Path, value);
    }
}
