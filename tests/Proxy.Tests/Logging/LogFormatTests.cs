using System.Diagnostics;
using System.Text.Json;

namespace Proxy.Tests.Logging;

/// <summary>The daemon's log lines, as an operator's log pipeline sees them (stderr of the process).</summary>
public sealed class LogFormatTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-logs-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private async Task<string> RunAsync(params string[] extra)
    {
        File.WriteAllText(Path.Combine(dir, "web.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n");
        // --dry-run: only reads the kernel (or notes that it cannot), so this runs anywhere.
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp"), ["--once", "--dry-run", "--manifests", dir, .. extra])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        await stdout;
        Assert.True(process.ExitCode == 0, stderr);
        return stderr;
    }

    [Fact]
    public async Task OneLinePerSyncAtInformation_WithCountsAndDuration()
    {
        var log = await RunAsync();

        // A dry run says what it would do, not that it did (issue 12, item 5).
        var line = Assert.Single(log.Split('\n'), l => l.Contains("Dry run: would sync iptables rules", StringComparison.Ordinal));
        Assert.Contains("info:", line);
        Assert.Matches(@"\(full\): 1 service ports, \d+ changed, \d+ rules to write, planned in [\d.]+ ms; nothing was changed", line);
        Assert.DoesNotContain("Synced iptables rules", log);
        Assert.DoesNotContain("Removed whatever", log);
        Assert.Contains("Dry run: would remove whatever nftables mode left behind", log);
        // Nothing the user did not ask for is warned about.
        Assert.DoesNotContain("warn:", log);
        Assert.DoesNotContain("Running iptables-restore", log);
    }

    [Fact]
    public async Task VerbosityTwoAddsTheDetailsAtDebug()
    {
        var log = await RunAsync("-v", "2");

        Assert.Contains("dbug:", log);
        Assert.Contains("Running iptables-restore", log);
    }

    [Fact]
    public async Task JsonFormatWritesOneJsonObjectPerLine_WithEventIds()
    {
        var log = await RunAsync("--logging-format", "json");

        var entries = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var synced = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 107);
        Assert.Equal("Information", synced.GetProperty("LogLevel").GetString());
        Assert.Equal("iptables", synced.GetProperty("State").GetProperty("Mode").GetString());
    }
}
