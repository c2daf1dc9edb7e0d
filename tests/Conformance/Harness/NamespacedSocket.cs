using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// Creates a socket inside a named network namespace (one made by <c>ip netns add</c>) without moving the test
/// process: the kernel binds a socket to the namespace of the thread that called socket(2), for good, so a
/// short-lived thread joins the namespace, creates the socket and ends; bind, listen, connect and I/O then happen in
/// that namespace from whichever thread uses the socket. This is what lets probes and pod servers run in-process
/// instead of spawning <c>ip netns exec</c> for each.
/// </summary>
internal static partial class NamespacedSocket
{
    private const int CloneNewNet = 0x40000000;

    /// <exception cref="Win32Exception">setns failed; <see cref="Win32Exception.NativeErrorCode"/> is the errno.</exception>
    /// <exception cref="SocketException">socket(2) failed inside the namespace.</exception>
    public static Socket Open(string netns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Socket? socket = null;
        ExceptionDispatchInfo? failure = null;
        // A thread of its own because setns moves only the calling thread, and that thread must never run anything
        // else afterwards: a pool thread left in a pod's namespace would silently open later sockets there.
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs(target, CloneNewNet) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw new Win32Exception(errno, $"setns into network namespace {netns} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }
                socket = new Socket(family, type, protocol);
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
        return socket!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);
}
