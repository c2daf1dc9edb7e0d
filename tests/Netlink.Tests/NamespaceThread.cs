using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Proxy.Netlink.Tests;

/// <summary>
/// Runs code inside a named network namespace without moving the test process: setns moves only the calling thread,
/// so a thread of its own joins the namespace, runs the code and ends (a pool thread left there would open later
/// sockets in it). A socket belongs to the namespace of the thread that created it, for good.
/// </summary>
internal static partial class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string netns, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs(target, CloneNewNet) != 0)
                {
                    throw new IOException($"setns into {netns} failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {netns}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);
}
