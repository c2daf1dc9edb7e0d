namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// Kernel tests need root and the real tools. A missing prerequisite skips the test with the reason, except with
/// KP_REQUIRE_KERNEL=1 (CI), where it fails: a CI run must never pass by skipping.
/// </summary>
public static class Prerequisites
{
    private static readonly string[] Tools = ["ip", "iptables", "iptables-save", "iptables-restore"];

    private static readonly Lazy<string?> Missing = new(Find);

    public static void Require()
    {
        if (Missing.Value is { } reason)
        {
            Unmet(reason);
        }
    }

    /// <summary>A prerequisite found missing by the test itself (e.g. the IPVS VM cannot boot): skip, or fail in CI.</summary>
    public static void Unmet(string reason)
    {
        if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
        {
            Assert.Fail($"KP_REQUIRE_KERNEL=1 but {reason}");
        }
        Assert.Skip(reason);
    }

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "kernel tests need Linux";
        }
        if (Environment.UserName != "root")
        {
            return "kernel tests need root (network namespaces, netfilter)";
        }
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]).ToList();
        var missing = Tools.Where(t => !path.Any(p => File.Exists(Path.Combine(p, t)))).ToList();
        return missing.Count == 0 ? null : $"missing tools: {string.Join(", ", missing)} (apt-get install iptables iproute2)";
    }
}
