namespace Proxy.Backends.Nftables;

/// <summary>
/// The two shapes of destination key: <see cref="Address"/> (<c>daddr . l4proto . dport</c>: cluster, external and
/// load-balancer IPs) and <see cref="NodePort"/> (<c>l4proto . dport</c> on a node-port address). Each shape has its own
/// maps, since a key is read from the packet and the packet alone says which shape it is.
/// </summary>
public enum Destination
{
    Address,
    NodePort,
}
