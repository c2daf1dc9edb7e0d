using Proxy.Backends.Testing;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// Golden folders under testdata/render: model.json (+ optional existing.iptables-save, what the kernel holds, and
/// options.json, iptables mode's settings) in, expected.iptables-restore (the exact full-sync payload) out.
/// UPDATE_GOLDEN=1 rewrites the expected files.
/// </summary>
public class RenderGoldenTests
{
    public static TheoryData<string> Scenarios() =>
        [.. Directory.GetDirectories(GoldenFiles.Output("testdata", "render")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullSyncPayloadMatchesTheGoldenFile(string scenario)
    {
        var actual = FullSync(scenario).ToString();

        GoldenFiles.Check("Proxy.Backends.Iptables.Tests.csproj", actual, "testdata", "render", scenario, "expected.iptables-restore");
    }

    /// <summary>The scenario's full-sync transaction, against what its kernel holds.</summary>
    public static Xtables.RestoreTransaction FullSync(string scenario)
    {
        var state = ModelFile.Load(GoldenFiles.Output("testdata", "render", scenario, "model.json"));
        var existing = GoldenFiles.Output("testdata", "render", scenario, "existing.iptables-save");
        var kernel = File.Exists(existing) ? KernelRules.Parse(File.ReadAllText(existing)) : KernelRules.Empty;

        var optionsFile = GoldenFiles.Output("testdata", "render", scenario, "options.json");
        var options = File.Exists(optionsFile)
            ? System.Text.Json.JsonSerializer.Deserialize<IptablesOptions>(File.ReadAllText(optionsFile), new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!
            : new IptablesOptions();

        return RestorePlanner.Full(IptablesRenderer.Render(state, options), kernel, out _);
    }
}
