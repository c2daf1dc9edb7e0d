using Proxy.Backends.Testing;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// Golden folders under testdata/render: model.json (+ optional existing.iptables-save, what the kernel holds)
/// in, expected.iptables-restore (the exact full-sync payload) out. UPDATE_GOLDEN=1 rewrites the expected files
/// in the source tree.
/// </summary>
public class RenderGoldenTests
{
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "testdata", "render");

    public static TheoryData<string> Scenarios() => [.. Directory.GetDirectories(TestData).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullSyncPayloadMatchesTheGoldenFile(string scenario)
    {
        var dir = Path.Combine(TestData, scenario);
        var state = ModelFile.Load(Path.Combine(dir, "model.json"));
        var existing = Path.Combine(dir, "existing.iptables-save");
        var kernel = File.Exists(existing) ? KernelRules.Parse(File.ReadAllText(existing)) : KernelRules.Empty;

        var actual = RestorePlanner.Full(IptablesRenderer.Render(state, new IptablesOptions()), kernel, out _).ToString();

        var expectedPath = Path.Combine(dir, "expected.iptables-restore");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceTestData(), scenario, "expected.iptables-restore"), actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing: run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    /// <summary>testdata in the source tree (the output copy is rebuilt from it).</summary>
    private static string SourceTestData()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Proxy.Backends.Iptables.Tests.csproj")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("test project folder"), "testdata", "render");
    }
}
