using System.Net;

namespace Proxy.Backends.Ipvs;

/// <summary>One IPVS real server (destination) of a virtual server; weight 0 drains it (graceful termination).</summary>
public sealed record IpvsRealServer(IPAddress Address, int Port, int Weight);
