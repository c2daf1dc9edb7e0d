using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>One IPVS virtual server as kube-proxy programs it: address, protocol, port, scheduler (NAT forwarding).</summary>
public sealed record IpvsVirtualServer(IPAddress Address, L4Protocol Protocol, int Port, string Scheduler)
{
    public override string ToString() => $"{Protocol.ToString().ToUpperInvariant()}  {new IPEndPoint(Address, Port)} {Scheduler}";
}
