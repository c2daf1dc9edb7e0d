using Proxy.Core.Host;

namespace Proxy.Host;

/// <summary><see cref="ISysctl"/> through /proc/sys, which shows the parameters of the reading process's network namespace.</summary>
public sealed class ProcSysctl : ISysctl
{
    public string? Get(string path)
    {
        var file = Path.Combine("/proc/sys", path);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    public void Set(string path, string value) => File.WriteAllText(Path.Combine("/proc/sys", path), value + "\n");
}
