using System.Collections.Immutable;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// The kernel parameters IPVS mode needs, as data (upstream's NewProxier). conn_reuse_mode is left alone: upstream
/// only changes it on kernels older than 5.9, whose bug it works around.
/// </summary>
public static class IpvsSysctls
{
    public static ImmutableArray<(string Path, string Value, string Why)> For(IpvsOptions options) =>
    [
        // IPVS-NATed packets get conntrack entries, so that the masquerade rules in POSTROUTING see them.
        ("net/ipv4/vs/conntrack", "1", "masquerade IPVS traffic"),
        // Connections to a deleted real server are dropped at once instead of hanging.
        ("net/ipv4/vs/expire_nodest_conn", "1", "expire connections to removed endpoints"),
        ("net/ipv4/vs/expire_quiescent_template", "1", "expire persistence templates of drained endpoints"),
        ("net/ipv4/ip_forward", "1", "forward service traffic"),
        .. options.StrictArp
            ? (IEnumerable<(string, string, string)>)
            [
                ("net/ipv4/conf/all/arp_ignore", "1", "strict ARP: answer only for addresses of the asked interface"),
                ("net/ipv4/conf/all/arp_announce", "2", "strict ARP: never announce service addresses"),
            ]
            : [],
    ];
}
