using System.Diagnostics;

namespace Proxy.Tests.Input;

/// <summary>Makes named pipes for tests of readers that must not block on one (the BCL has no mkfifo).</summary>
internal static class Fifo
{
    public static void Make(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.True(mkfifo.ExitCode == 0 && File.Exists(path), $"mkfifo {path} failed");
    }
}
