namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// The modes the Service-semantics table runs in: those of <see cref="ProxyModes.All"/> that render every field of
/// the model. A mode adds itself here when it does (iptables first; nftables and ipvs with their own issues).
/// </summary>
public static class SemanticsModes
{
    private static readonly string[] Rendering = ["iptables", "nftables"];

    /// <summary>The modes with upstream nftables mode's guard rails around service addresses (upstream's other modes have none).</summary>
    private static readonly string[] Guarding = ["nftables"];

    public static TheoryData<string> All => [.. Chosen];

    public static TheoryData<string> WithGuardRails => [.. Chosen.Where(Guarding.Contains)];

    public static IReadOnlyList<string> Chosen => [.. ProxyModes.Chosen.Where(Rendering.Contains)];
}
