using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// One IPVS virtual server as kube-proxy programs it: address, protocol, port, scheduler (NAT forwarding), the service
/// flags (IP_VS_SVC_F_*) its scheduler and session affinity need, and the persistence timeout in seconds (0 without
/// affinity); the kernel's own IP_VS_SVC_F_HASHED is never part of the flags.
/// </summary>
public sealed record IpvsVirtualServer(IPAddress Address, L4Protocol Protocol, int Port, string Scheduler, uint Flags = 0, uint Timeout = 0)
{
    /// <summary>IP_VS_SVC_F_PERSISTENT: a client keeps its real server for <see cref="Timeout"/> seconds (sessionAffinity: ClientIP).</summary>
    public const uint PersistentFlag = 0x1;

    /// <summary>IP_VS_SVC_F_SCHED2, which for "mh" means hashing on the source port too (upstream's FlagSourceHash).</summary>
    public const uint SchedulerFlag2 = 0x10;

    /// <summary>The flags upstream sets for a scheduler: "mh" hashes on source address and port.</summary>
    public static uint FlagsFor(string scheduler) => scheduler == "mh" ? SchedulerFlag2 : 0;

    public override string ToString() =>
        $"{Protocol.ToString().ToUpperInvariant()}  {new IPEndPoint(Address, Port)} {Scheduler}{((Flags & PersistentFlag) != 0 ? $" persistent {Timeout}" : "")}";
}
