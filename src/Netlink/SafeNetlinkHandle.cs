using Microsoft.Win32.SafeHandles;

namespace Proxy.Netlink;

/// <summary>A netlink socket's file descriptor, closed exactly once.</summary>
public sealed class SafeNetlinkHandle : SafeHandleMinusOneIsInvalid
{
    public SafeNetlinkHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => NetlinkInterop.Close((int)handle) == 0;
}
