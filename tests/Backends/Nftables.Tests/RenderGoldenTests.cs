using Proxy.Backends.Testing;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Golden files: the iptables renderer's model.json scenarios in, the exact full-sync nft transaction out
/// (testdata/render/&lt;scenario&gt;/expected.nft). UPDATE_GOLDEN=1 rewrites the expected files.
/// </summary>
public class RenderGoldenTests
{
    public static TheoryData<string> Scenarios() =>
        [.. Directory.GetDirectories(GoldenFiles.Output("testdata", "render")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullSyncTransactionMatchesTheGoldenFile(string scenario)
    {
        var state = ModelFile.Load(GoldenFiles.Output("testdata", "render", scenario, "model.json"));

        var actual = NftPlanner.Full(NftRenderer.Render(state, new NftablesOptions())).ToString();

        GoldenFiles.Check("Proxy.Backends.Nftables.Tests.csproj", actual, "testdata", "render", scenario, "expected.nft");
    }
}
