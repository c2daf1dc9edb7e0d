using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Validation;

namespace Proxy.Reconciling;

/// <summary>
/// Reads the fields of a Service the proxy honours into a <see cref="ServiceSpec"/>, as upstream's newBaseServiceInfo
/// does. A field that makes the whole service meaningless (no valid cluster IP, a bad port) skips the service with one
/// warning naming every such field; a bad entry of a list (one external IP, one source range) skips that entry with a
/// warning naming it, and the rest of the service is programmed.
/// </summary>
internal static class ServiceSpecReader
{
    public const string PolicyLocal = "Local";
    public const string PolicyCluster = "Cluster";
    public const string AffinityClientIP = "ClientIP";
    public const string AffinityNone = "None";
    public const string IPModeProxy = "Proxy";

    /// <summary>Null when the service is not programmed: ignored as upstream ignores it, or skipped (with a warning).</summary>
    public static ServiceSpec? Read(V1Service service, ICollection<string> warnings)
    {
        if (IsIgnored(service) || !ServiceValidation.Validate(service, warnings))
        {
            return null;
        }
        var spec = service.Spec;
        var problems = new List<string>();
        var notes = new List<string>();
        var clusterIPs = ClusterIPs(spec, problems);
        var ports = Ports(spec, problems, notes);
        var name = Describe(service);
        if (problems.Count > 0)
        {
            warnings.Add($"Service {name}: {string.Join("; ", problems)}; service skipped");
            return null;
        }
        var externalPolicy = Policy(spec.ExternalTrafficPolicy, "spec.externalTrafficPolicy", notes);
        var internalPolicy = Policy(spec.InternalTrafficPolicy, "spec.internalTrafficPolicy", notes);
        var result = new ServiceSpec(
            service.Namespace() ?? "default",
            service.Name(),
            clusterIPs,
            ports,
            Addresses(spec.ExternalIPs, "spec.externalIPs", notes),
            LoadBalancerIPs(service.Status?.LoadBalancer?.Ingress, notes),
            SourceRanges(spec.LoadBalancerSourceRanges, notes),
            ExternalPolicyLocal: externalPolicy == PolicyLocal && IsExternallyAccessible(spec),
            InternalPolicyLocal: internalPolicy == PolicyLocal,
            Affinity(spec, notes),
            0);
        if (spec.Type == KubernetesNames.TypeLoadBalancer && result.ExternalPolicyLocal)
        {
            // upstream's NeedsHealthCheck; a LoadBalancer without the port the API server allocates gets none, said once.
            if (spec.HealthCheckNodePort is >= 1 and <= 65535 and var port)
            {
                result = result with { HealthCheckNodePort = port };
            }
            else
            {
                notes.Add($"spec.healthCheckNodePort {Text(spec.HealthCheckNodePort)} is not a port; no health check is served");
            }
        }
        if (notes.Count > 0)
        {
            warnings.Add($"Service {name}: {string.Join("; ", notes)}");
        }
        return result;
    }

    public static string Describe(V1Service service) => $"{service.Namespace() ?? "default"}/{service.Name()}";

    /// <summary>
    /// Services that no proxy programs (ExternalName, headless, no IP assigned yet), and the ones upstream's informer
    /// filters out by label (another proxy's, or headless by label).
    /// </summary>
    private static bool IsIgnored(V1Service service)
    {
        var labels = service.Labels();
        if (labels is not null && (labels.ContainsKey(KubernetesNames.ServiceProxyNameLabel) || labels.ContainsKey(KubernetesNames.HeadlessLabel)))
        {
            return true;
        }
        var clusterIP = service.Spec?.ClusterIPs?.FirstOrDefault() ?? service.Spec?.ClusterIP;
        return service.Spec?.Type == KubernetesNames.TypeExternalName
            || string.IsNullOrEmpty(clusterIP)
            || clusterIP == KubernetesNames.ClusterIPNone;
    }

    /// <summary>upstream's apiservice.ExternallyAccessible: only then does externalTrafficPolicy mean anything.</summary>
    private static bool IsExternallyAccessible(V1ServiceSpec spec) =>
        spec.Type is KubernetesNames.TypeLoadBalancer or KubernetesNames.TypeNodePort
        || (spec.Type is null or "" or KubernetesNames.TypeClusterIP && spec.ExternalIPs is { Count: > 0 });

    private static ImmutableArray<IPAddress> ClusterIPs(V1ServiceSpec spec, List<string> problems)
    {
        var texts = spec.ClusterIPs is { Count: > 0 } list ? list : [spec.ClusterIP];
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in texts)
        {
            if (KubernetesAddresses.TryParseIP(text, out var address))
            {
                result.Add(address);
            }
            else
            {
                problems.Add($"spec.clusterIPs \"{text}\" is not an IP address");
            }
        }
        if (result.Count == 2 && result[0].Family() == result[1].Family())
        {
            problems.Add("spec.clusterIPs has two addresses of the same family");
        }
        return result.ToImmutable();
    }

    private static ImmutableArray<ServiceSpec.PortSpec> Ports(V1ServiceSpec spec, List<string> problems, List<string> notes)
    {
        var hasNodePorts = spec.Type is KubernetesNames.TypeNodePort or KubernetesNames.TypeLoadBalancer;
        var result = ImmutableArray.CreateBuilder<ServiceSpec.PortSpec>();
        var ports = spec.Ports ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var where = $"spec.ports[{i}]";
            if (port.Port is < 1 or > 65535)
            {
                problems.Add($"{where}.port {port.Port} is out of range 1-65535");
            }
            if (port.NodePort is < 0 or > 65535)
            {
                problems.Add($"{where}.nodePort {port.NodePort} is out of range 1-65535");
            }
            else if (!hasNodePorts && port.NodePort is > 0)
            {
                notes.Add($"{where}.nodePort {port.NodePort} is ignored: a service of type {spec.Type ?? KubernetesNames.TypeClusterIP} has no node ports");
            }
            if (!L4ProtocolNames.TryParseKubernetes(port.Protocol, out var protocol))
            {
                problems.Add($"{where}.protocol \"{port.Protocol}\" is not TCP, UDP or SCTP");
            }
            result.Add(new ServiceSpec.PortSpec(port.Name ?? "", protocol, port.Port, hasNodePorts ? port.NodePort ?? 0 : 0));
        }
        if (ports.Count == 0)
        {
            problems.Add("spec.ports is empty");
        }
        return result.ToImmutable();
    }

    private static ImmutableArray<IPAddress> Addresses(IList<string>? texts, string field, List<string> notes)
    {
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        for (var i = 0; i < (texts?.Count ?? 0); i++)
        {
            if (KubernetesAddresses.TryParseIP(texts![i], out var address))
            {
                if (KubernetesAddresses.SpecialAddressProblem(address) is { } why)
                {
                    notes.Add($"{field}[{i}] \"{texts[i]}\" {why} and is ignored");
                }
                else if (!result.Contains(address))
                {
                    result.Add(address);
                }
            }
            else
            {
                notes.Add($"{field}[{i}] \"{texts[i]}\" is not an IP address and is ignored");
            }
        }
        return result.ToImmutable();
    }

    /// <summary>status.loadBalancer.ingress IPs; an ipMode: Proxy load balancer delivers to the node itself, so its IP is not captured.</summary>
    private static ImmutableArray<IPAddress> LoadBalancerIPs(IList<V1LoadBalancerIngress>? ingress, List<string> notes)
    {
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        for (var i = 0; i < (ingress?.Count ?? 0); i++)
        {
            var entry = ingress![i];
            if (string.IsNullOrEmpty(entry.Ip) || entry.IpMode == IPModeProxy)
            {
                continue;
            }
            if (KubernetesAddresses.TryParseIP(entry.Ip, out var address))
            {
                if (!result.Contains(address))
                {
                    result.Add(address);
                }
            }
            else
            {
                notes.Add($"status.loadBalancer.ingress[{i}].ip \"{entry.Ip}\" is not an IP address and is ignored");
            }
        }
        return result.ToImmutable();
    }

    private static ImmutableArray<IPNetwork> SourceRanges(IList<string>? texts, List<string> notes)
    {
        var result = ImmutableArray.CreateBuilder<IPNetwork>();
        for (var i = 0; i < (texts?.Count ?? 0); i++)
        {
            // The API server accepts surrounding spaces here, as upstream's own parsing does.
            if (KubernetesAddresses.TryParseCidr(texts![i]?.Trim(), out var network))
            {
                if (!result.Contains(network))
                {
                    result.Add(network);
                }
            }
            else
            {
                notes.Add($"spec.loadBalancerSourceRanges[{i}] \"{texts[i]}\" is not a CIDR and is ignored");
            }
        }
        return result.ToImmutable();
    }

    private static string Policy(string? value, string field, List<string> notes)
    {
        switch (value)
        {
            case null or "" or PolicyCluster:
                return PolicyCluster;
            case PolicyLocal:
                return PolicyLocal;
            default:
                notes.Add($"{field} \"{value}\" is neither Cluster nor Local; Cluster is used");
                return PolicyCluster;
        }
    }

    private static ClientIPAffinity? Affinity(V1ServiceSpec spec, List<string> notes)
    {
        switch (spec.SessionAffinity)
        {
            case null or "" or AffinityNone:
                return null;
            case AffinityClientIP:
                var timeout = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds;
                if (timeout is null)
                {
                    return new ClientIPAffinity(ClientIPAffinity.DefaultTimeoutSeconds);
                }
                // The API server's range: more than 0, at most one day.
                if (timeout is >= 1 and <= 86400)
                {
                    return new ClientIPAffinity(timeout.Value);
                }
                notes.Add($"spec.sessionAffinityConfig.clientIP.timeoutSeconds {timeout} is out of range 1-86400; {ClientIPAffinity.DefaultTimeoutSeconds} is used");
                return new ClientIPAffinity(ClientIPAffinity.DefaultTimeoutSeconds);
            default:
                notes.Add($"spec.sessionAffinity \"{spec.SessionAffinity}\" is neither None nor ClientIP; None is used");
                return null;
        }
    }

    private static string Text(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "(none)";
}
