namespace Proxy.Core.Model;

/// <summary>
/// sessionAffinity: ClientIP. A client that connected to an endpoint within <see cref="TimeoutSeconds"/> goes back to
/// it, through any of the service port's IPs (affinity is kept per service port and endpoint, not per address).
/// </summary>
public sealed record ClientIPAffinity(int TimeoutSeconds)
{
    /// <summary>upstream's default: sessionAffinityConfig.clientIP.timeoutSeconds unset means 3 hours.</summary>
    public const int DefaultTimeoutSeconds = 10800;
}
