using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// Where node ports listen in one family. <see cref="AllLocal"/>: on every address local to the node (matched by the
/// kernel at packet time, so addresses that come and go are followed), loopback only when <see cref="Loopback"/>;
/// otherwise on exactly <see cref="Addresses"/> (resolved from --nodeport-addresses CIDRs or "primary"). When
/// <see cref="Loopback"/> is true (IPv4 only, iptables.localhostNodePorts), node ports answer on 127.0.0.1, which
/// needs route_localnet and its anti-martian rule.
/// </summary>
public sealed record NodePortAddresses(bool AllLocal, EquatableArray<IPAddress> Addresses, bool Loopback)
{
    public static NodePortAddresses AllLocalAddresses(bool loopback) => new(true, EquatableArray<IPAddress>.Empty, loopback);

    public static NodePortAddresses Only(IEnumerable<IPAddress> addresses, bool loopback) => new(false, addresses.ToEquatableArray(), loopback);
}
