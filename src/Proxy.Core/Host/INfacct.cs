namespace Proxy.Core.Host;

/// <summary>
/// The kernel's named packet counters (nfnetlink_acct, what iptables' <c>-m nfacct</c> match counts into): upstream's
/// iptables mode counts two things with them and publishes them as metrics.
/// </summary>
public interface INfacct
{
    /// <summary>Creates the counter unless it exists; false when the kernel cannot (no nfnetlink_acct).</summary>
    bool Ensure(string name);

    /// <summary>The packets counted so far, or null when there is no such counter (or no nfacct at all).</summary>
    ulong? Packets(string name);
}
