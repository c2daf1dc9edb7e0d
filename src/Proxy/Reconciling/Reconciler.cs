using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// The one place where Service semantics are decided: Kubernetes objects + this node → one
/// <see cref="ProxyState"/> per IP family. Pure: no I/O, no clock, no logging (warnings are returned).
/// An invalid object is skipped with a warning naming it; it never stops the other services.
/// </summary>
public static class Reconciler
{
    public static ReconcileResult Reconcile(ClusterObjects objects, NodeContext node, ReconcileOptions options)
    {
        var warnings = new List<string>();
        var slicesByService = GroupSlices(objects.EndpointSlices);
        var ports = new List<ServicePort>();
        foreach (var service in objects.Services)
        {
            var slices = slicesByService.GetValueOrDefault((service.Namespace() ?? "default", service.Name()), []);
            ports.AddRange(ServicePorts(service, slices, node, warnings));
        }
        return Assemble(ports, warnings, options);
    }

    /// <summary>EndpointSlices by the Service they belong to (namespace, kubernetes.io/service-name), in name order.</summary>
    internal static Dictionary<(string, string), IReadOnlyList<V1EndpointSlice>> GroupSlices(IEnumerable<V1EndpointSlice> slices)
    {
        // One pass, no LINQ: this runs over every slice at every sync.
        var groups = new Dictionary<(string, string), List<V1EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (slice.GetLabel(KubernetesNames.ServiceNameLabel) is { Length: > 0 } service)
            {
                var key = (slice.Namespace() ?? "default", service);
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = new List<V1EndpointSlice>(1);
                }
                list.Add(slice);
            }
        }
        var result = new Dictionary<(string, string), IReadOnlyList<V1EndpointSlice>>(groups.Count);
        foreach (var (key, list) in groups)
        {
            if (list.Count > 1)
            {
                list.Sort((a, b) => string.CompareOrdinal(a.Name(), b.Name()));
            }
            result[key] = list;
        }
        return result;
    }

    /// <summary>
    /// The per-family states from every service's ports, in canonical order. A port name that appears twice in one
    /// family (only a malformed Service can do that) keeps its first occurrence, with a warning.
    /// </summary>
    internal static ReconcileResult Assemble(List<ServicePort> ports, List<string> warnings, ReconcileOptions options)
    {
        var seen = new HashSet<(ServicePortName, IpFamily)>();
        var unique = new List<ServicePort>(ports.Count);
        foreach (var port in ports)
        {
            if (seen.Add((port.Name, port.ClusterIP.Family())))
            {
                unique.Add(port);
            }
            else
            {
                warnings.Add($"Service {port.Name.Namespace}/{port.Name.Name}: port \"{port.Name.PortName}\"/{port.Protocol.ToKubernetes()} appears twice; the second is skipped");
            }
        }
        return new ReconcileResult(State(IpFamily.IPv4, unique, options), State(IpFamily.IPv6, unique, options), [.. warnings]);
    }

    private static ProxyState State(IpFamily family, List<ServicePort> ports, ReconcileOptions options)
    {
        IPNetwork? cidr = options.ClusterCidrs.Where(c => c.Family() == family).Select(c => (IPNetwork?)c).FirstOrDefault();
        return ProxyState.Create(family, new MasqueradePolicy(options.MasqueradeAll, cidr), ports.Where(p => p.ClusterIP.Family() == family));
    }

    internal static IEnumerable<ServicePort> ServicePorts(
        V1Service service, IReadOnlyList<V1EndpointSlice> slices, NodeContext node, List<string> warnings)
    {
        if (IsIgnored(service))
        {
            return [];
        }
        var problems = new List<string>();
        var clusterIPs = ClusterIPs(service, problems);
        var specs = PortSpecs(service, problems);
        if (problems.Count > 0)
        {
            warnings.Add($"Service {Describe(service)}: {string.Join("; ", problems)}; service skipped");
            return [];
        }

        var result = new List<ServicePort>();
        foreach (var clusterIP in clusterIPs)
        {
            foreach (var spec in specs)
            {
                var name = new ServicePortName(service.Namespace() ?? "default", service.Name(), spec.Name, spec.Protocol);
                var endpoints = EndpointResolver.Resolve(slices, spec.Name, spec.Protocol, clusterIP.Family(), node, warnings);
                result.Add(new ServicePort(name, clusterIP, spec.Port, spec.NodePort, endpoints));
            }
        }
        return result;
    }

    /// <summary>
    /// Services that no proxy programs (ExternalName, headless, no IP assigned yet), and the ones upstream's
    /// informer filters out by label (another proxy's, or headless by label).
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

    private static ImmutableArray<IPAddress> ClusterIPs(V1Service service, List<string> problems)
    {
        var texts = service.Spec.ClusterIPs is { Count: > 0 } list ? list : [service.Spec.ClusterIP];
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in texts)
        {
            if (IPAddress.TryParse(text, out var address) && text.Contains(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? '.' : ':', StringComparison.Ordinal))
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

    private static List<PortSpec> PortSpecs(V1Service service, List<string> problems)
    {
        var hasNodePorts = service.Spec.Type is KubernetesNames.TypeNodePort or KubernetesNames.TypeLoadBalancer;
        var result = new List<PortSpec>();
        var ports = service.Spec.Ports ?? [];
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
            if (!L4ProtocolNames.TryParseKubernetes(port.Protocol, out var protocol))
            {
                problems.Add($"{where}.protocol \"{port.Protocol}\" is not TCP, UDP or SCTP");
            }
            result.Add(new PortSpec(port.Name ?? "", protocol, port.Port, hasNodePorts ? port.NodePort ?? 0 : 0));
        }
        if (ports.Count == 0)
        {
            problems.Add("spec.ports is empty");
        }
        return result;
    }

    private static string Describe(V1Service service) => $"{service.Namespace() ?? "default"}/{service.Name()}";

    private sealed record PortSpec(string Name, L4Protocol Protocol, int Port, int NodePort);
}
