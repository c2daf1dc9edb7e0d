using System.Runtime.InteropServices;

namespace Proxy.Netlink;

/// <summary>
/// The libc calls a netlink socket needs. .NET's Socket has no AF_NETLINK address, so the client opens the socket
/// itself and keeps the descriptor in a <see cref="SafeNetlinkHandle"/>.
/// </summary>
internal static partial class NetlinkInterop
{
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int SolSocket = 1;
    public const int SoRcvtimeo = 20;
    public const int SoRcvbuf = 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial SafeNetlinkHandle Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(SafeNetlinkHandle fd, in SockaddrNl address, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(SafeNetlinkHandle fd, int level, int name, in Timeval value, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(SafeNetlinkHandle fd, int level, int name, in int value, int length);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(SafeNetlinkHandle fd, ReadOnlySpan<byte> buffer, nuint length, int flags, in SockaddrNl address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(SafeNetlinkHandle fd, Span<byte> buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
