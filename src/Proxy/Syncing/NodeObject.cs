using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Reconciling;
using Proxy.Validation;

namespace Proxy.Syncing;

/// <summary>This node's <see cref="NodeContext"/>, from its settings and its Node object (null while it is not known).</summary>
internal static class NodeObject
{
    public static NodeContext Context(NodeSettings settings, V1Node? node)
    {
        var labels = node?.Metadata?.Labels is { } l ? l.ToImmutableDictionary(StringComparer.Ordinal) : ImmutableDictionary<string, string>.Empty;
        return new NodeContext(settings.NodeName, labels)
        {
            PodCidrs = PodCidrs(node).ToEquatableArray(),
            NodeIPs = NodeIPs(settings.BindAddress, node).ToEquatableArray(),
            LocalAddresses = settings.LocalAddresses().ToEquatableArray(),
        };
    }

    private static IEnumerable<IPNetwork> PodCidrs(V1Node? node)
    {
        var texts = node?.Spec?.PodCIDRs is { Count: > 0 } list ? list : node?.Spec?.PodCIDR is { } one ? [one] : [];
        foreach (var text in texts)
        {
            if (KubernetesAddresses.TryParseCidr(text, out var cidr))
            {
                yield return cidr;
            }
        }
    }

    /// <summary>
    /// upstream's node IP choice: the first InternalIP of each family, else its first ExternalIP; a --bind-address that
    /// names an address (not 0.0.0.0 or ::) takes the place of its family's.
    /// </summary>
    private static List<IPAddress> NodeIPs(IPAddress? bindAddress, V1Node? node)
    {
        var addresses = node?.Status?.Addresses ?? [];
        var ordered = addresses.Where(a => a.Type == "InternalIP").Concat(addresses.Where(a => a.Type == "ExternalIP"));
        var result = new List<IPAddress>();
        foreach (var entry in ordered)
        {
            if (KubernetesAddresses.TryParseIP(entry.Address, out var ip) && result.All(r => r.Family() != ip.Family()))
            {
                result.Add(ip);
            }
        }
        if (bindAddress is not null && !bindAddress.Equals(IPAddress.Any) && !bindAddress.Equals(IPAddress.IPv6Any))
        {
            result.RemoveAll(r => r.Family() == bindAddress.Family());
            result.Add(bindAddress);
        }
        return result;
    }
}
