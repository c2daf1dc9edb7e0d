namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// The modes every scenario runs in: adding a mode is one line here. KP_CONFORMANCE_MODES (comma-separated) narrows
/// them: the IPVS test VM runs this suite with "ipvs", the only mode this machine's kernel cannot run.
/// </summary>
public static class ProxyModes
{
    public static readonly IReadOnlyList<string> Supported = ["iptables", "nftables", "ipvs"];

    /// <summary>Without KP_CONFORMANCE_MODES, the modes the host kernel runs; ipvs runs in the VM (IpvsVmScenarios).</summary>
    private static readonly string[] Default = ["iptables", "nftables"];

    public static TheoryData<string> All => [.. Chosen];

    /// <summary>The modes chosen for this run.</summary>
    public static IReadOnlyList<string> Chosen
    {
        get
        {
            var chosen = Environment.GetEnvironmentVariable("KP_CONFORMANCE_MODES") is { Length: > 0 } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : Default;
            var unknown = chosen.Except(Supported).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidOperationException($"KP_CONFORMANCE_MODES names unknown modes: {string.Join(", ", unknown)}");
            }
            return chosen;
        }
    }
}
