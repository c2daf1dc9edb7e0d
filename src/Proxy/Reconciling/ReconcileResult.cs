using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// The model for each IP family, the health-check node ports to serve, and one warning per object that was skipped or
/// partly skipped (and per node-level setting that could not be honoured).
/// </summary>
public sealed record ReconcileResult(ProxyState IPv4, ProxyState IPv6, ImmutableArray<string> Warnings)
{
    public ImmutableArray<ServiceHealthCheck> HealthChecks { get; init; } = [];

    public IReadOnlyList<ProxyState> States => [IPv4, IPv6];

    public ProxyState For(IpFamily family) => family == IpFamily.IPv4 ? IPv4 : IPv6;
}
