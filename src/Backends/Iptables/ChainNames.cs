using Proxy.Core.Model;
using Proxy.Core.Naming;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Chain names, upstream-exact so that operators' scripts and habits keep working. Generated names are
/// prefix + 16 characters of base32(sha256(...)): iptables chain names must be at most 28 characters, and the
/// longest prefix, "KUBE-SVC-" / "KUBE-SEP-" (9), leaves room for it.
/// </summary>
public static class ChainNames
{
    public const string Services = "KUBE-SERVICES";
    public const string NodePorts = "KUBE-NODEPORTS";
    public const string Postrouting = "KUBE-POSTROUTING";
    public const string MarkMasq = "KUBE-MARK-MASQ";
    public const string ExternalServices = "KUBE-EXTERNAL-SERVICES";
    public const string Forward = "KUBE-FORWARD";

    public const string ProxyFirewall = "KUBE-PROXY-FIREWALL";

    /// <summary>kubelet's chain for the anti-martian rule of localhost node ports; shared with kubelet, so never removed.</summary>
    public const string KubeletFirewall = "KUBE-FIREWALL";

    public const string ServicePrefix = "KUBE-SVC-";
    public const string ServiceLocalPrefix = "KUBE-SVL-";
    public const string ExternalPrefix = "KUBE-EXT-";
    public const string FirewallPrefix = "KUBE-FW-";
    public const string EndpointPrefix = "KUBE-SEP-";

    /// <summary>
    /// Prefixes of generated chains that we (or upstream kube-proxy before us on this node) create:
    /// any chain with one of them that the desired state lacks is stale and removed.
    /// </summary>
    public static readonly IReadOnlyList<string> GeneratedPrefixes = [ServicePrefix, ServiceLocalPrefix, ExternalPrefix, FirewallPrefix, EndpointPrefix, "KUBE-XLB-"];

    /// <summary>The cluster endpoint set's chain.</summary>
    public static string Service(ServicePortName name) => ServicePrefix + PortProtoHash(name);

    /// <summary>The local endpoint set's chain.</summary>
    public static string ServiceLocal(ServicePortName name) => ServiceLocalPrefix + PortProtoHash(name);

    /// <summary>Where all external traffic (node port, external IPs, load-balancer IPs) goes first.</summary>
    public static string External(ServicePortName name) => ExternalPrefix + PortProtoHash(name);

    /// <summary>loadBalancerSourceRanges: load-balancer IP traffic from an allowed source goes on to the external chain.</summary>
    public static string Firewall(ServicePortName name) => FirewallPrefix + PortProtoHash(name);

    public static string Endpoint(ServicePortName name, Endpoint endpoint) =>
        EndpointPrefix + Hash(name.ToString() + name.Protocol.ToLower() + endpoint);

    private static string PortProtoHash(ServicePortName name) => Hash(name.ToString() + name.Protocol.ToLower());

    public static bool IsGenerated(string chain) => GeneratedPrefixes.Any(p => chain.StartsWith(p, StringComparison.Ordinal));

    /// <summary>upstream's portProtoHash: first 16 characters of standard base32 of the SHA-256.</summary>
    private static string Hash(string text) => UpstreamHash.Base32Sha256(text, 16);
}
