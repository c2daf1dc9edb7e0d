using System.Collections.Immutable;

namespace Proxy.Core.Model;

/// <summary>
/// The desired state of one IP family on this node: every service port, ordinal-sorted by name, plus
/// node-wide policy. An immutable snapshot: build a new one, never change a published one.
/// </summary>
public sealed record ProxyState(IpFamily Family, MasqueradePolicy Masquerade, EquatableArray<ServicePort> Services)
{
    public static ProxyState Empty(IpFamily family) => new(family, MasqueradePolicy.None, EquatableArray<ServicePort>.Empty);

    /// <summary>Builds a state whose services are in canonical order, whatever order they come in.</summary>
    public static ProxyState Create(IpFamily family, MasqueradePolicy masquerade, IEnumerable<ServicePort> services) =>
        new(family, masquerade, services.OrderBy(s => s.Name).ThenBy(s => s.ClusterIP.ToString(), StringComparer.Ordinal)
            .ToImmutableArray());
}
