using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Proxy.Testing.FakeApi;

/// <summary>
/// Opens a listening socket inside a named network namespace (one made with <c>ip netns add</c>) while the rest
/// of the process stays where it is: a socket keeps the namespace it was created in, so a short-lived thread
/// switches (setns applies to the calling thread only), creates it, and switches back.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    public static Socket Listen(string netns, IPEndPoint endpoint)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{netns}");
                Enter(target.DangerousGetHandle(), netns);
                try
                {
                    socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    socket.Bind(endpoint);
                    socket.Listen(64);
                }
                finally
                {
                    Enter(original.DangerousGetHandle(), "the original namespace");
                }
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? socket! : throw new IOException($"cannot listen on {endpoint} in network namespace {netns}: {error.Message}", error);
    }

    private static void Enter(nint fd, string what)
    {
        if (SetNs(fd, CloneNewNet) != 0)
        {
            throw new IOException($"setns into {what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(nint fd, int nstype);
}
