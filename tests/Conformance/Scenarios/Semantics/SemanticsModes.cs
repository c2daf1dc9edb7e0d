namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// The modes the Service-semantics table runs in: those of <see cref="ProxyModes.All"/> that render every field of
/// the model. A mode adds itself here when it does (iptables first; nftables and ipvs with their own issues).
/// </summary>
public static class SemanticsModes
{
    private static readonly string[] Rendering = ["iptables"];

    public static TheoryData<string> All => [.. Chosen];

    public static IReadOnlyList<string> Chosen => [.. ProxyModes.Chosen.Where(Rendering.Contains)];
}
