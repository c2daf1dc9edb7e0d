using System.Net;

namespace Proxy.Netlink.Conntrack;

/// <summary>One direction of a flow: addresses and ports as the packets of that direction carry them (ports are 0 for protocols without any).</summary>
public readonly record struct ConntrackTuple(IPAddress Source, IPAddress Destination, ushort SourcePort, ushort DestinationPort)
{
    /// <summary>As the conntrack tool prints a tuple.</summary>
    public override string ToString() => $"src={Source} dst={Destination} sport={SourcePort} dport={DestinationPort}";
}
