using Proxy.Host;

namespace Proxy.Tests.Host;

public sealed class OomScoreAdjusterTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-oom-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TheScoreIsWrittenAsADecimalNumber()
    {
        var path = Path.Combine(dir, "oom_score_adj");
        File.WriteAllText(path, "0");

        Assert.Null(OomScoreAdjuster.Apply(-999, path));
        Assert.Equal("-999", File.ReadAllText(path));
    }

    [Fact]
    public void AFailureIsReportedNotThrown() =>
        Assert.NotNull(OomScoreAdjuster.Apply(-999, Path.Combine(dir, "missing", "oom_score_adj")));
}
