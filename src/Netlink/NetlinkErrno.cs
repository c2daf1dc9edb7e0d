namespace Proxy.Netlink;

/// <summary>The errnos (asm-generic/errno-base.h, errno.h) netlink families answer with, by what they mean to a caller.</summary>
public enum NetlinkErrno
{
    None = 0,

    /// <summary>EPERM: not allowed (no CAP_NET_ADMIN in the socket's network namespace).</summary>
    PermissionDenied = 1,

    /// <summary>ENOENT: no such object (a conntrack flow already gone, a generic netlink family not loaded).</summary>
    NotFound = 2,

    /// <summary>ESRCH: IPVS's "no such service".</summary>
    NoSuchProcess = 3,

    /// <summary>EINTR: a dump the kernel interrupted because the table changed under it.</summary>
    Interrupted = 4,

    /// <summary>EAGAIN: a receive that timed out (SO_RCVTIMEO).</summary>
    TryAgain = 11,

    Busy = 16,

    Exists = 17,

    NoSuchDevice = 19,

    InvalidArgument = 22,

    /// <summary>EOPNOTSUPP: a request or attribute this kernel does not implement.</summary>
    NotSupported = 95,

    /// <summary>ENOBUFS: the socket's receive buffer overflowed.</summary>
    NoBufferSpace = 105,
}
