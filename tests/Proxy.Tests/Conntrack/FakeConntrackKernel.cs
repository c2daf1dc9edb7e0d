using Proxy.Conntrack;
using Proxy.Core.Host;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// The conntrack settings of a kernel, in memory, with this kernel's defaults: sysctls by /proc/sys path and the
/// module's hash size. It applies writes, refuses the ones to paths it holds read-only (EACCES, as nf_conntrack_max and
/// nf_conntrack_buckets are outside the init network namespace), has no paths at all without nf_conntrack, and lists
/// every write it took, in order.
/// </summary>
internal sealed class FakeConntrackKernel(bool loaded = true) : ISysctl, IConntrackHashSize
{
    public const string HashSizePath = "/sys/module/nf_conntrack/parameters/hashsize";

    public Dictionary<string, string> Values { get; } = loaded
        ? new(StringComparer.Ordinal)
        {
            [ConntrackSettings.MaxPath] = "262144",
            [ConntrackSettings.TcpEstablishedTimeoutPath] = "432000",
            [ConntrackSettings.TcpCloseWaitTimeoutPath] = "60",
            [ConntrackSettings.TcpBeLiberalPath] = "0",
            [ConntrackSettings.UdpTimeoutPath] = "30",
            [ConntrackSettings.UdpStreamTimeoutPath] = "120",
        }
        : [];

    public int? HashSize { get; set; } = loaded ? 65536 : null;

    public HashSet<string> ReadOnly { get; } = [];

    public List<string> Writes { get; } = [];

    public string? Get(string path) => Values.GetValueOrDefault(path);

    public void Set(string path, string value)
    {
        if (ReadOnly.Contains(path) || !Values.ContainsKey(path))
        {
            throw new UnauthorizedAccessException($"Access to the path '/proc/sys/{path}' is denied.");
        }
        Values[path] = value;
        Writes.Add($"{path}={value}");
    }

    int? IConntrackHashSize.Get() => HashSize;

    void IConntrackHashSize.Set(int buckets)
    {
        if (ReadOnly.Contains(HashSizePath) || HashSize is null)
        {
            throw new UnauthorizedAccessException($"Access to the path '{HashSizePath}' is denied.");
        }
        HashSize = buckets;
        Writes.Add($"hashsize={buckets}");
    }
}
