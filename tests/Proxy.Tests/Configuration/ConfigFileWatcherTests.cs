using Proxy.Configuration;

namespace Proxy.Tests.Configuration;

/// <summary>A changed --config file ends the daemon (so that it restarts with it), as upstream; a touch that changes nothing does not.</summary>
public sealed class ConfigFileWatcherTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-watch-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task AChangeOfContentIsReportedOnce_ATouchIsNot()
    {
        var path = Path.Combine(dir, "config.yaml");
        File.WriteAllText(path, "mode: iptables\n");
        var changes = 0;
        using var reported = new SemaphoreSlim(0);
        using var watcher = new ConfigFileWatcher(path, "mode: iptables\n", () =>
        {
            Interlocked.Increment(ref changes);
            reported.Release();
        });

        File.WriteAllText(path, "mode: iptables\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        Assert.False(await reported.WaitAsync(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken));

        File.WriteAllText(path, "mode: nftables\n");
        Assert.True(await reported.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "no change reported within 10 s");
        File.WriteAllText(path, "mode: ipvs\n");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal(1, changes);
    }

    /// <summary>A ConfigMap volume swaps its "..data" link to a new directory; the file's path stays, its content changes.</summary>
    [Fact]
    public async Task AConfigMapStyleSwapIsAChange()
    {
        Directory.CreateDirectory(Path.Combine(dir, "v1"));
        Directory.CreateDirectory(Path.Combine(dir, "v2"));
        File.WriteAllText(Path.Combine(dir, "v1", "config.yaml"), "mode: iptables\n");
        File.WriteAllText(Path.Combine(dir, "v2", "config.yaml"), "mode: nftables\n");
        File.CreateSymbolicLink(Path.Combine(dir, "..data"), "v1");
        var path = Path.Combine(dir, "config.yaml");
        File.CreateSymbolicLink(path, Path.Combine("..data", "config.yaml"));
        using var reported = new SemaphoreSlim(0);
        using var watcher = new ConfigFileWatcher(path, "mode: iptables\n", () => reported.Release());

        // The atomic writer's swap: a new link, renamed over the old one.
        File.CreateSymbolicLink(Path.Combine(dir, "..data_tmp"), "v2");
        using (var mv = System.Diagnostics.Process.Start("mv", ["-T", Path.Combine(dir, "..data_tmp"), Path.Combine(dir, "..data")])!)
        {
            await mv.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mv.ExitCode);
        }

        Assert.True(await reported.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "no change reported within 10 s");
    }
}
