using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// What the reconciler needs to know about the node it runs on. Compares by value: the daemon builds a new one at
/// every sync, and the incremental reconciler keeps its cache only while this stays equal.
/// </summary>
public sealed record NodeContext(string NodeName, EquatableDictionary<string, string> Labels)
{
    /// <summary>The Node's spec.podCIDRs (NodeCIDR local-traffic detection).</summary>
    public EquatableArray<IPNetwork> PodCidrs { get; init; } = EquatableArray<IPNetwork>.Empty;

    /// <summary>
    /// This node's primary IPs, at most one per family, as upstream picks them: --bind-address when it names one, else
    /// the Node's first InternalIP (then ExternalIP) of each family. Used for --nodeport-addresses=primary and for
    /// loadBalancerSourceRanges that hold the node.
    /// </summary>
    public EquatableArray<IPAddress> NodeIPs { get; init; } = EquatableArray<IPAddress>.Empty;

    /// <summary>Every address on the node's interfaces, loopback included: what --nodeport-addresses CIDRs select from.</summary>
    public EquatableArray<IPAddress> LocalAddresses { get; init; } = EquatableArray<IPAddress>.Empty;

    /// <summary>The node's topology.kubernetes.io/zone label, which zone hints name ("" without one).</summary>
    public string Zone => Labels.TryGetValue(EndpointCategorizer.ZoneLabel, out var zone) ? zone : "";

    public IPAddress? NodeIP(IpFamily family) => NodeIPs.FirstOrDefault(a => a.Family() == family);

    public static NodeContext Named(string nodeName) => new(nodeName, EquatableDictionary<string, string>.Empty);
}
