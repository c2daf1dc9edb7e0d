namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// The modes the Service-semantics table runs in: those of <see cref="ProxyModes.All"/> that render every field of
/// the model, each with what it does where upstream's own modes differ (<see cref="ModeExpectations"/>). A mode adds
/// itself here when it renders every field (iptables first; nftables and ipvs with their own issues).
/// </summary>
public static class SemanticsModes
{
    private static readonly Dictionary<string, ModeExpectations> Rendering = new(StringComparer.Ordinal)
    {
        ["iptables"] = ModeExpectations.Upstream,
        ["nftables"] = ModeExpectations.Upstream,
        ["ipvs"] = ModeExpectations.UpstreamIpvs,
    };

    /// <summary>The modes with upstream nftables mode's guard rails around service addresses (upstream's other modes have none).</summary>
    private static readonly string[] Guarding = ["nftables"];

    public static TheoryData<string> All => [.. Chosen];

    public static TheoryData<string> WithGuardRails => [.. Chosen.Where(Guarding.Contains)];

    public static IReadOnlyList<string> Chosen => [.. ProxyModes.Chosen.Where(Rendering.ContainsKey)];

    public static ModeExpectations Expect(string mode) => Rendering[mode];
}
