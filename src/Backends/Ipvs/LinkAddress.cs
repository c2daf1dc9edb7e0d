using System.Net;

namespace Proxy.Backends.Ipvs;

/// <summary>One address on one link, as rtnetlink reports it.</summary>
public sealed record LinkAddress(int LinkIndex, IPAddress Address, int PrefixLength);
