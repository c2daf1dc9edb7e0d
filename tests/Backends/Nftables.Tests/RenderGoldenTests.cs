using Proxy.Backends.Testing;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// Golden files: the iptables renderer's model.json scenarios in, the exact full-sync nft transaction out
/// (testdata/render/&lt;scenario&gt;/expected.nft). UPDATE_GOLDEN=1 rewrites the expected files in the source tree.
/// </summary>
public class RenderGoldenTests
{
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "testdata", "render");

    public static TheoryData<string> Scenarios() => [.. Directory.GetDirectories(TestData).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullSyncTransactionMatchesTheGoldenFile(string scenario)
    {
        var state = ModelFile.Load(Path.Combine(TestData, scenario, "model.json"));

        var actual = NftPlanner.Full(NftRenderer.Render(state, new NftablesOptions())).ToString();

        var source = Path.Combine(SourceTestData(), scenario, "expected.nft");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }
        Assert.True(File.Exists(source), $"{source} is missing: run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(source), actual);
    }

    private static string SourceTestData()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Proxy.Backends.Nftables.Tests.csproj")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("test project folder"), "testdata", "render");
    }
}
