namespace Proxy.Netlink;

/// <summary>The kernel refused a netlink request: <see cref="Errno"/> is the positive errno from its NLMSG_ERROR reply.</summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(int errno, uint sequence)
        : base($"netlink request {sequence} failed: errno {errno} ({Describe(errno)})")
    {
        Errno = errno;
        Sequence = sequence;
    }

    public NetlinkException(string message)
        : base(message)
    {
    }

    /// <summary>A socket call that failed with <paramref name="errno"/> (send, receive, a receive timeout).</summary>
    public NetlinkException(string message, int errno)
        : base($"{message}: errno {errno} ({Describe(errno)})")
    {
        Errno = errno;
    }

    public NetlinkException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The same refusal, with what was being asked for in front (the errno and sequence carry over).</summary>
    public NetlinkException(string context, NetlinkException refusal)
        : base($"{context}: {refusal.Message}", refusal)
    {
        Errno = refusal.Errno;
        Sequence = refusal.Sequence;
    }

    public int Errno { get; }

    /// <summary><see cref="Errno"/>, typed (0 when the failure carried none).</summary>
    public NetlinkErrno Code => (NetlinkErrno)Errno;

    public uint Sequence { get; }

    /// <summary>The errnos netlink families answer with, named as strerror does.</summary>
    public static string Describe(int errno) => (NetlinkErrno)errno switch
    {
        NetlinkErrno.PermissionDenied => "EPERM: operation not permitted",
        NetlinkErrno.NotFound => "ENOENT: no such file or directory",
        NetlinkErrno.NoSuchProcess => "ESRCH: no such process (IPVS: no such service)",
        NetlinkErrno.Interrupted => "EINTR: interrupted system call",
        NetlinkErrno.TryAgain => "EAGAIN: resource temporarily unavailable (a receive timed out)",
        NetlinkErrno.Busy => "EBUSY: device or resource busy",
        NetlinkErrno.Exists => "EEXIST: file exists",
        NetlinkErrno.NoSuchDevice => "ENODEV: no such device",
        NetlinkErrno.InvalidArgument => "EINVAL: invalid argument",
        NetlinkErrno.NotSupported => "EOPNOTSUPP: operation not supported",
        NetlinkErrno.NoBufferSpace => "ENOBUFS: no buffer space available",
        _ => "see errno(3)",
    };
}
