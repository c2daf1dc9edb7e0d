using Proxy.Tests.Input;

namespace Proxy.Tests.Sources;

/// <summary>
/// The daemon over a manifests directory, as a process: whatever lands in the directory, it keeps syncing the rest,
/// never hangs, never dies of it, and SIGTERM still ends it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ManifestDaemonTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string dir = Directory.CreateTempSubdirectory("kps-daemon-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Service(string name, string clusterIP) =>
        $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: default}}\nspec: {{clusterIP: {clusterIP}, ports: [{{name: http, port: 80}}]}}\n";

    [Fact]
    public async Task ADaemonWhoseDirectoryGainsBrokenFilesKeepsSyncingTheRest_AndStopsOnSigterm()
    {
        File.WriteAllText(Path.Combine(dir, "web.yaml"), Service("web", "10.96.0.10"));
        using var proxy = ProxyProcess.Start(["--dry-run", "--manifests", dir, "--hostname-override", "node-1"]);
        Assert.True(await proxy.PrintsAsync((o, _) => o.Contains("-d 10.96.0.10/32", StringComparison.Ordinal), Patience), proxy.Stderr);

        Fifo.Make(Path.Combine(dir, "fifo.yaml"));
        File.CreateSymbolicLink(Path.Combine(dir, "zero.yaml"), "/dev/zero");
        File.WriteAllText(Path.Combine(dir, "deep.yaml"), new string('[', 200_000) + new string(']', 200_000));
        File.WriteAllText(Path.Combine(dir, "typed.yaml"), Service("typed", "10.96.0.12").Replace("port: 80", "port: \"http\"", StringComparison.Ordinal) + "---\n" + Service("new", "10.96.0.11"));

        Assert.True(
            await proxy.PrintsAsync((o, e) => o.Contains("-d 10.96.0.11/32", StringComparison.Ordinal) && e.Contains("fifo.yaml: is a FIFO", StringComparison.Ordinal)
                && e.Contains("zero.yaml: is a character device", StringComparison.Ordinal) && e.Contains("deep.yaml:1:", StringComparison.Ordinal)
                && e.Contains("typed.yaml:1: Service \"typed\" cannot be read", StringComparison.Ordinal), Patience),
            proxy.Stderr);
        Assert.DoesNotContain("10.96.0.12", proxy.Stdout);

        proxy.Signal("TERM");
        Assert.Equal(0, await proxy.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Stopped; the rules stay in place", proxy.Stderr);
        Assert.DoesNotContain("Unhandled exception", proxy.Stderr);
    }

    [Fact]
    public async Task AnUnreadableManifestsDirectoryIsAClearError_NotAnException()
    {
        // root reads anything: the proxy then runs as nobody, for whom a directory of mode 000 cannot be listed.
        var locked = Path.Combine(dir, "locked");
        Directory.CreateDirectory(locked);
        File.WriteAllText(Path.Combine(locked, "web.yaml"), Service("web", "10.96.0.10"));
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(locked, UnixFileMode.None);

        var (exit, stdout, stderr) = await ProxyProcess.RunAsync(
            ["--dry-run", "--once", "--manifests", locked, "--hostname-override", "node-1"], Patience, user: Environment.UserName == "root" ? 65534 : null);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        Assert.Contains($"{locked}: cannot list the manifests directory: Access to the path '{locked}' is denied.", stderr);
        Assert.Contains("Not syncing", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
        Assert.DoesNotContain("10.96.0.10", stdout);
    }
}
