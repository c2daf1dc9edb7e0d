namespace Proxy.Backends.Ipvs;

/// <summary>A real server as the kernel reports it, with the connection counts graceful termination waits on.</summary>
public sealed record IpvsDestinationState(IpvsRealServer Server, int ActiveConnections, int InactiveConnections);
