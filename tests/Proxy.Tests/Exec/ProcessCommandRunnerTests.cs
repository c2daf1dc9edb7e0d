using Proxy.Core.Exec;
using Proxy.Core.Model;
using Proxy.Exec;

namespace Proxy.Tests.Exec;

public sealed class ProcessCommandRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWholeInputIsAFileThatHoldsAllOfItBeforeTheToolStartsAndIsDeletedAfter()
    {
        var input = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"add element ip t s {{ 10.0.{i / 256}.{i % 256} }}\n"));
        // $0 is the argument "-" replaced by the file: a regular file (not a pipe), already complete when sh starts.
        var command = Command.WriteWhole("sh", input, "-c", "[ -f \"$0\" ] && [ ! -p \"$0\" ] && echo \"$0\" >&2 && cat -- \"$0\"", Command.StandardInputArgument);

        var result = await new ProcessCommandRunner().RunAsync(command, Ct);

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal(input, result.StandardOutput);
        var path = result.StandardError.Trim();
        Assert.StartsWith(Path.GetTempPath(), path, StringComparison.Ordinal);
        Assert.False(File.Exists(path), $"{path} is left behind");
    }

    [Fact]
    public void WriteWholeNeedsTheArgumentThatNamesTheInput() =>
        Assert.Throws<ArgumentException>(() => Command.WriteWhole("nft", "flush ruleset\n", "-f", "/dev/stdin"));

    [Fact]
    public async Task StandardInputThroughAPipeStillReachesTheTool()
    {
        var result = await new ProcessCommandRunner().RunAsync(Command.Write("cat", "*nat\nCOMMIT\n"), Ct);

        Assert.Equal("*nat\nCOMMIT\n", result.StandardOutput);
    }

    [Fact]
    public async Task AnInputOfManySmallPiecesReachesTheToolWhole_ThroughAPipeAndThroughAFile()
    {
        // Half a million pieces, as a full sync's payload is made (each rule in several): written as they come,
        // never joined, and none lost or reordered on the way.
        string[] pieces = [.. Enumerable.Range(0, 100_000).SelectMany(i => (string[])["-A ", $"KUBE-SVC-{i:X6}", " ", $"-j KUBE-SEP-{i:X6}", "\n"])];
        var input = CommandInput.FromPieces(() => pieces.Select(p => p.AsMemory()));
        var expected = string.Concat(pieces);

        var piped = await new ProcessCommandRunner().RunAsync(Command.Write("cat", input), Ct);
        var filed = await new ProcessCommandRunner().RunAsync(Command.WriteWhole("cat", input, Command.StandardInputArgument), Ct);

        Assert.Equal(expected, piped.StandardOutput);
        Assert.Equal(expected, filed.StandardOutput);
    }

    [Fact]
    public async Task ACommandsEnvironmentReachesTheTool_ButNeverOverridesTheProxysOwn()
    {
        var name = $"KPS_TEST_{Guid.NewGuid():N}";
        var command = Command.Read("sh", "-c", $"echo \"${name}\"") with { Environment = EquatableArray.Create((name, "from the command")) };

        var plain = await new ProcessCommandRunner().RunAsync(command, Ct);
        Environment.SetEnvironmentVariable(name, "from the operator");
        try
        {
            var operators = await new ProcessCommandRunner().RunAsync(command, Ct);
            Assert.Equal("from the operator\n", operators.StandardOutput);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        Assert.Equal("from the command\n", plain.StandardOutput);
    }

    [Fact]
    public async Task ACancelledWriteKillsTheToolBeforeItsInputEnds()
    {
        using var pidFile = new TempFile();
        // The tool reads nothing, so the pipe fills and the write blocks until it is cancelled.
        var command = Command.Write("sh", new string('x', 4 << 20), "-c", $"echo $$ > {pidFile.Path}; sleep 60");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = new ProcessCommandRunner().RunAsync(command, cancel.Token);
        while (new FileInfo(pidFile.Path).Length == 0)
        {
            await Task.Delay(20, Ct);
        }
        var pid = int.Parse(File.ReadAllText(pidFile.Path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // Killed, not left to read an early end of input: gone or a zombie within seconds, never still sleeping.
        for (var waited = 0; waited < 100 && IsRunning(pid); waited++)
        {
            await Task.Delay(50, Ct);
        }
        Assert.False(IsRunning(pid), $"sh (pid {pid}) is still running after the cancelled write");
    }

    [Fact]
    public void InputFilesLeftByAKilledProcessAreRemoved_ThoseOfARunningOneAndOtherFilesStay()
    {
        var folder = Directory.CreateTempSubdirectory("kps-input-").FullName;
        try
        {
            // A pid above the kernel's pid_max (4194304 at most) belongs to no process.
            var dead = Path.Combine(folder, "kube-proxy-sharp-4194305-0123abcd.input");
            var running = Path.Combine(folder, $"kube-proxy-sharp-{Environment.ProcessId}-4567ef.input");
            var parent = Path.Combine(folder, "kube-proxy-sharp-1-89ab.input");
            var other = Path.Combine(folder, "kube-proxy-sharp-4194305-notes.txt");
            foreach (var file in (string[])[dead, running, parent, other])
            {
                File.WriteAllText(file, "flush ruleset\n");
            }

            Assert.Equal(1, WholeInputFile.RemoveLeftovers(folder));

            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(running) && File.Exists(parent) && File.Exists(other));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        return File.Exists(stat) && File.ReadAllText(stat).Split(')')[^1].Trim()[0] != 'Z';
    }

    private sealed class TempFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }
}
