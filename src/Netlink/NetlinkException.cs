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

    public uint Sequence { get; }

    /// <summary>The errnos IPVS answers with, named as strerror does.</summary>
    public static string Describe(int errno) => errno switch
    {
        1 => "EPERM: operation not permitted",
        2 => "ENOENT: no such file or directory",
        3 => "ESRCH: no such process (IPVS: no such service)",
        16 => "EBUSY: device or resource busy",
        17 => "EEXIST: file exists",
        19 => "ENODEV: no such device",
        22 => "EINVAL: invalid argument",
        _ => "see errno(3)",
    };
}
