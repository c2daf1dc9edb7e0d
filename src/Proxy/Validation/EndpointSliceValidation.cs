using k8s.Models;
using Proxy.Reconciling;

namespace Proxy.Validation;

/// <summary>
/// The API server's checks of an EndpointSlice (pkg/apis/discovery/validation) for what the proxy reads of the slice
/// as a whole: its names, the label that ties it to its Service, its address type and its ports. Each endpoint's address
/// is checked where it is read (EndpointResolver), which skips that endpoint alone, as the proxy always has.
/// </summary>
public static class EndpointSliceValidation
{
    /// <summary>upstream's maxEndpoints and maxPorts: a slice beyond them cannot exist in a cluster.</summary>
    public const int MaxEndpoints = 1000;

    public const int MaxPorts = 20000;

    private static readonly HashSet<string> AddressTypes = new(StringComparer.Ordinal) { "IPv4", "IPv6", "FQDN" };

    private static readonly HashSet<string> Protocols = new(StringComparer.Ordinal) { "TCP", "UDP", "SCTP" };

    /// <summary>True when valid; otherwise adds one warning naming the slice and every field at fault, and returns false.</summary>
    public static bool Validate(V1EndpointSlice slice, ICollection<string> warnings)
    {
        var problems = new List<string>();
        ObjectChecks.Metadata(slice, KubernetesFormats.Dns1123Subdomain, problems);
        if (slice.GetLabel(KubernetesNames.ServiceNameLabel) is { } service)
        {
            ObjectChecks.Check(problems, $"metadata.labels[{KubernetesNames.ServiceNameLabel}]", service, KubernetesFormats.LabelValue);
        }
        if (!AddressTypes.Contains(slice.AddressType ?? ""))
        {
            problems.Add($"addressType {MessageText.Quote(slice.AddressType)} is not IPv4, IPv6 or FQDN");
        }
        if (slice.Endpoints?.Count > MaxEndpoints)
        {
            problems.Add($"endpoints has {slice.Endpoints.Count} entries, more than {MaxEndpoints}");
        }
        var ports = slice.Ports ?? [];
        if (ports.Count > MaxPorts)
        {
            problems.Add($"ports has {ports.Count} entries, more than {MaxPorts}");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(ports.Count, MaxPorts); i++)
        {
            var name = ports[i].Name ?? "";
            if (name.Length > 0)
            {
                ObjectChecks.Check(problems, $"ports[{i}].name", name, KubernetesFormats.Dns1123Label);
            }
            if (!names.Add(name))
            {
                problems.Add($"ports[{i}].name {MessageText.Quote(name)} is repeated");
            }
            // An absent protocol is TCP, as the API server defaults it.
            if (ports[i].Protocol is { } protocol && !Protocols.Contains(protocol))
            {
                problems.Add($"ports[{i}].protocol {MessageText.Quote(protocol)} is not TCP, UDP or SCTP");
            }
        }
        return ObjectChecks.Report("EndpointSlice", slice, problems, warnings);
    }
}
