using System.Diagnostics;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Faults;

/// <summary>
/// Another process holding the xtables lock (a test's own lock file, never the host's /run/xtables.lock) until the
/// test lets go: `flock LOCK cat`, released when its stdin closes, so the hold ends when the scenario says and no
/// process outlives it (flock and cat both exit; each is ended by its pid only if it has not).
/// </summary>
internal sealed class XtablesLockHolder : IDisposable
{
    private readonly Process holder;
    private readonly string file;

    private XtablesLockHolder(Process holder, string file)
    {
        this.holder = holder;
        this.file = file;
    }

    /// <summary>Takes the lock and returns once it is held.</summary>
    public static async Task<XtablesLockHolder> TakeAsync(string file)
    {
        var holder = new XtablesLockHolder(
            Process.Start(new ProcessStartInfo("flock", ["--exclusive", file, "cat"]) { RedirectStandardInput = true, UseShellExecute = false })!,
            file);
        await Eventually.HoldsAsync(async () => !await FreeAsync(file), "the xtables lock held", TimeSpan.FromSeconds(30));
        return holder;
    }

    public bool Held => !holder.HasExited;

    /// <summary>
    /// Lets go of the lock: once the holder has exited, its lock is gone (a proxy's iptables-restore waiting for it may
    /// take it at once, so whether it is free is not checked).
    /// </summary>
    public async Task ReleaseAsync()
    {
        holder.StandardInput.Close();
        await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        if (!holder.HasExited)
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                holder.Kill(entireProcessTree: true);
            }
        }
        holder.Dispose();
    }

    private static async Task<bool> FreeAsync(string file) => (await Shell.RunAsync("flock", ["--nonblock", file, "true"])).ExitCode == 0;
}
