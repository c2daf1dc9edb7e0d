using Proxy.Core.Host;

namespace Proxy.Exec;

/// <summary>--dry-run for kernel parameters: reads are real, writes are printed as <c>sysctl -w</c> commands.</summary>
public sealed class DryRunSysctl(ISysctl inner, TextWriter output) : ISysctl
{
    /// <summary>A parameter that does not exist (no ip_vs here) reads as already set, so that the dry run goes on.</summary>
    public string? Get(string path) => inner.Get(path) ?? "(absent)";

    public void Set(string path, string value) => output.WriteLine($"# sysctl -w {path.Replace('/', '.')}={value}");
}
