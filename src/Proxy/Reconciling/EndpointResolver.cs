using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Validation;

namespace Proxy.Reconciling;

/// <summary>
/// Merges the EndpointSlices of one Service into the endpoint candidates of one of its ports, for one IP family, with
/// upstream's rules: a slice port matches the service port by name and protocol (the EndpointSlice controller has
/// already resolved named and numeric targetPorts into the slice port's number); an endpoint listed in several slices
/// counts once. Which candidates are used is <see cref="EndpointCategorizer"/>'s decision.
/// </summary>
internal static class EndpointResolver
{
    public static List<EndpointCandidate> Resolve(
        IReadOnlyList<V1EndpointSlice> slices,
        string portName,
        L4Protocol protocol,
        IpFamily family,
        string nodeName,
        ICollection<string> warnings)
    {
        var byAddress = new Dictionary<(IPAddress Address, int Port), EndpointCandidate>();
        foreach (var slice in slices)
        {
            if (!IsFamily(slice, family) || FindPort(slice, portName, protocol, warnings) is not { } port)
            {
                continue;
            }
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // Upstream programs only the first address: the API documents the others as unused by consumers.
                var text = endpoint.Addresses?.FirstOrDefault();
                if (!KubernetesAddresses.TryParseIP(text, out var address) || address.Family() != family)
                {
                    warnings.Add($"EndpointSlice {slice.Namespace()}/{slice.Name()}: endpoint address \"{text}\" is not an {family} address; endpoint skipped");
                    continue;
                }
                if (KubernetesAddresses.SpecialAddressProblem(address) is { } why)
                {
                    warnings.Add($"EndpointSlice {slice.Namespace()}/{slice.Name()}: endpoint address \"{text}\" {why}; endpoint skipped");
                    continue;
                }
                var ready = endpoint.Conditions?.Ready ?? true;
                var candidate = new EndpointCandidate(
                    address,
                    port,
                    Ready: ready,
                    Serving: endpoint.Conditions?.Serving ?? ready,
                    Terminating: endpoint.Conditions?.Terminating ?? false,
                    IsLocal: endpoint.NodeName is { } name && name == nodeName,
                    ZoneHints: Names(endpoint.Hints?.ForZones?.Select(z => z.Name)),
                    NodeHints: Names(endpoint.Hints?.ForNodes?.Select(n => n.Name)));
                var key = (address, port);
                byAddress[key] = byAddress.TryGetValue(key, out var seen) ? seen.Merge(candidate) : candidate;
            }
        }
        return [.. byAddress.Values];
    }

    private static ImmutableHashSet<string> Names(IEnumerable<string>? names) =>
        names is null ? [] : names.Where(n => !string.IsNullOrEmpty(n)).ToImmutableHashSet(StringComparer.Ordinal);

    private static bool IsFamily(V1EndpointSlice slice, IpFamily family) =>
        slice.AddressType == (family == IpFamily.IPv4 ? KubernetesNames.AddressTypeIPv4 : KubernetesNames.AddressTypeIPv6);

    /// <summary>
    /// The number of the slice port that carries this service port. One without a valid number is skipped with a
    /// warning naming the slice, as upstream ignores one that is unset or 0 ("Ignoring invalid endpoint port"); API
    /// validation keeps the rest of the out-of-range ones out of a cluster, but not out of a manifest.
    /// </summary>
    private static int? FindPort(V1EndpointSlice slice, string portName, L4Protocol protocol, ICollection<string> warnings)
    {
        var ports = slice.Ports ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            if ((port.Name ?? "") != portName || !L4ProtocolNames.TryParseKubernetes(port.Protocol, out var p) || p != protocol)
            {
                continue;
            }
            if (port.Port is >= 1 and <= 65535)
            {
                return port.Port;
            }
            var number = port.Port is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(none)";
            warnings.Add($"EndpointSlice {slice.Namespace()}/{slice.Name()}: ports[{i}].port {number} is out of range 1-65535; port skipped");
        }
        return null;
    }
}
