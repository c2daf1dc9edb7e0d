using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// A service port left out of a family's rules because the kernel tool refused its rules (<see cref="Reason"/> is the
/// tool's error for them alone), so that the node's other services are still programmed.
/// </summary>
public sealed record RefusedServicePort(ServicePortName Name, string Reason);
