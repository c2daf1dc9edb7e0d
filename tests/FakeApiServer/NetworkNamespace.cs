using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Proxy.Testing.FakeApi;

/// <summary>
/// Runs code inside a named network namespace (one made with <c>ip netns add</c>) while the rest of the process stays
/// where it is: a socket keeps the namespace it was created in, so a short-lived thread switches (setns applies to the
/// calling thread only), runs the code (creating, binding, listening), and switches back.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    public static Socket Listen(string netns, IPEndPoint endpoint)
    {
        try
        {
            return Run(netns, () =>
            {
                var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(endpoint);
                socket.Listen(64);
                return socket;
            });
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new IOException($"cannot listen on {endpoint} in network namespace {netns}: {e.Message}", e);
        }
    }

    /// <summary>Runs <paramref name="func"/> inside <paramref name="netns"/>; every socket it creates stays there. Its exceptions are rethrown.</summary>
    public static T Run<T>(string netns, Func<T> func)
    {
        T? result = default;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{netns}");
                Enter(target.DangerousGetHandle(), netns);
                try
                {
                    result = func();
                }
                finally
                {
                    Enter(original.DangerousGetHandle(), "the original namespace");
                }
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        error?.Throw();
        return result!;
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
