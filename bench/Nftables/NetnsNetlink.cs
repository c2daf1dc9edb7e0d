using System.Runtime.InteropServices;
using Proxy.Netlink;

namespace Proxy.Bench.Nftables;

/// <summary>
/// Netlink sockets inside the benchmark's network namespace, while the benchmark itself stays in the host's: setns
/// applies to the calling thread only and a socket keeps the namespace it was created in, so a short-lived thread
/// enters <c>/run/netns/NAME</c>, opens the socket, and ends.
/// </summary>
internal static partial class NetnsNetlink
{
    private const int CloneNewNet = 0x40000000;

    public static NetlinkSocket Open(string netns, NetlinkProtocol protocol)
    {
        NetlinkSocket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs(target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into {netns} failed: errno {Marshal.GetLastPInvokeError()}");
                }
                socket = new NetlinkSocket(protocol);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"cannot open a netlink socket in {netns}: {error?.Message}", error);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(nint fd, int nstype);
}
