using System.Collections.Immutable;

namespace Proxy.Core.Model;

/// <summary>
/// The desired state of one IP family on this node: every service port, ordinal-sorted by name, plus
/// node-wide policy. An immutable snapshot: build a new one, never change a published one.
/// </summary>
public sealed record ProxyState(IpFamily Family, MasqueradePolicy Masquerade, EquatableArray<ServicePort> Services)
{
    public static ProxyState Empty(IpFamily family) => new(family, MasqueradePolicy.None, EquatableArray<ServicePort>.Empty);

    /// <summary>Builds a state whose services are in canonical order (by name: unique within a family), whatever order they come in.</summary>
    public static ProxyState Create(IpFamily family, MasqueradePolicy masquerade, IEnumerable<ServicePort> services)
    {
        var sorted = services.ToArray();
        // A stable sort, so that even an invalid state with a repeated name has one order.
        var order = Enumerable.Range(0, sorted.Length).ToArray();
        Array.Sort(order, (a, b) => sorted[a].Name.CompareTo(sorted[b].Name) is var c and not 0 ? c : a.CompareTo(b));
        return new(family, masquerade, order.Select(i => sorted[i]).ToImmutableArray());
    }
}
