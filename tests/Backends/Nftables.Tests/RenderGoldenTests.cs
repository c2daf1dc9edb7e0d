using System.Text.Json;
using Proxy.Backends.Testing;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Golden files: the iptables renderer's model.json scenarios (and options.json, whose settings both modes share),
/// plus scenarios of nftables mode's own, in; the exact full-sync nft transaction out
/// (testdata/render/&lt;scenario&gt;/expected.nft). UPDATE_GOLDEN=1 rewrites the expected files.
/// </summary>
public class RenderGoldenTests
{
    public static TheoryData<string> Scenarios() =>
        [.. Directory.GetDirectories(GoldenFiles.Output("testdata", "render")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    /// <summary>The scenario's model rendered with its options: what a sync of it wants in the table.</summary>
    public static NftRuleset Desired(string scenario)
    {
        var state = ModelFile.Load(GoldenFiles.Output("testdata", "render", scenario, "model.json"));
        var optionsFile = GoldenFiles.Output("testdata", "render", scenario, "options.json");
        var options = File.Exists(optionsFile)
            ? JsonSerializer.Deserialize<NftablesOptions>(File.ReadAllText(optionsFile), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!
            : new NftablesOptions();
        return NftRenderer.Render(state, options);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullSyncTransactionMatchesTheGoldenFile(string scenario) =>
        GoldenFiles.Check("Proxy.Backends.Nftables.Tests.csproj", NftPlanner.Full(Desired(scenario)).ToString(), "testdata", "render", scenario, "expected.nft");
}
