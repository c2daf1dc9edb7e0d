using Proxy.Core.Host;

namespace Proxy.Backends.Testing;

/// <summary>Kernel parameters as a dictionary; a kernel without ip_vs has no net/ipv4/vs/ ones.</summary>
internal sealed class FakeSysctl(bool ipvs = true) : ISysctl
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal)
    {
        ["net/ipv4/ip_forward"] = "0",
        ["net/ipv4/conf/all/arp_ignore"] = "0",
        ["net/ipv4/conf/all/arp_announce"] = "0",
    };

    public string? Get(string path) => Values.TryGetValue(path, out var value) ? value : ipvs && path.StartsWith("net/ipv4/vs/", StringComparison.Ordinal) ? "0" : null;

    public void Set(string path, string value) => Values[path] = value;
}
