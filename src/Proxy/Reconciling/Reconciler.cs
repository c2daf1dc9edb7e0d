using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Validation;

namespace Proxy.Reconciling;

/// <summary>
/// The one place where Service semantics are decided: Kubernetes objects + this node → one
/// <see cref="ProxyState"/> per IP family. Pure: no I/O, no clock, no logging (warnings are returned).
/// An invalid object is skipped with a warning naming it; it never stops the other services.
/// </summary>
public static class Reconciler
{
    private static readonly IpFamily[] Families = [IpFamily.IPv4, IpFamily.IPv6];

    public static ReconcileResult Reconcile(ClusterObjects objects, NodeContext node, ReconcileOptions options)
    {
        var warnings = new List<string>();
        var networks = Networks(node, options, warnings);
        var slicesByService = GroupSlices(objects.EndpointSlices, warnings);
        var programmed = new List<ServiceProgram>();
        foreach (var service in objects.Services)
        {
            var slices = slicesByService.GetValueOrDefault((service.Namespace() ?? "default", service.Name()), []);
            programmed.Add(Program(service, slices, node, networks, options));
        }
        return Assemble(programmed, networks, warnings);
    }

    /// <summary>Each family's node network: decided once per sync, before any service.</summary>
    internal static Dictionary<IpFamily, NodeNetwork> Networks(NodeContext node, ReconcileOptions options, List<string> warnings) =>
        Families.ToDictionary(f => f, f => NodeNetworkResolver.Resolve(f, node, options, warnings));

    /// <summary>
    /// EndpointSlices by the Service they belong to (namespace, kubernetes.io/service-name), in name order; one the API
    /// server would refuse is left out, with a warning.
    /// </summary>
    internal static Dictionary<(string, string), IReadOnlyList<V1EndpointSlice>> GroupSlices(IEnumerable<V1EndpointSlice> slices, ICollection<string> warnings)
    {
        // One pass, no LINQ: this runs over every slice at every sync.
        var groups = new Dictionary<(string, string), List<V1EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (EndpointSliceValidation.Validate(slice, warnings) && slice.GetLabel(KubernetesNames.ServiceNameLabel) is { Length: > 0 } service)
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
    /// The per-family states from every service's ports, in canonical order, and the health checks. A port name that
    /// appears twice in one family (only a malformed Service can do that) keeps its first occurrence, with a warning.
    /// </summary>
    internal static ReconcileResult Assemble(IEnumerable<ServiceProgram> programmed, IReadOnlyDictionary<IpFamily, NodeNetwork> networks, List<string> warnings)
    {
        var seen = new HashSet<(ServicePortName, IpFamily)>();
        var unique = new List<ServicePort>();
        var healthChecks = ImmutableArray.CreateBuilder<ServiceHealthCheck>();
        foreach (var service in programmed)
        {
            warnings.AddRange(service.Warnings);
            if (service.HealthCheck is { } check)
            {
                healthChecks.Add(check);
            }
            foreach (var port in service.Ports)
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
        }
        var created = programmed.Where(p => p.Ports.Length > 0)
            .GroupBy(p => (p.Ports[0].Name.Namespace, p.Ports[0].Name.Name))
            .ToDictionary(g => g.Key, g => g.First().Created);
        unique = DestinationConflicts.Resolve(unique, created, warnings);
        return new ReconcileResult(State(IpFamily.IPv4, unique, networks), State(IpFamily.IPv6, unique, networks), [.. warnings])
        {
            HealthChecks = [.. healthChecks.OrderBy(h => h.Namespace, StringComparer.Ordinal).ThenBy(h => h.Name, StringComparer.Ordinal)],
        };
    }

    private static ProxyState State(IpFamily family, List<ServicePort> ports, IReadOnlyDictionary<IpFamily, NodeNetwork> networks) =>
        ProxyState.Create(family, networks[family], ports.Where(p => p.ClusterIP.Family() == family));

    /// <summary>Everything one Service contributes: its ports in every family, its health check, and its warnings.</summary>
    internal static ServiceProgram Program(
        V1Service service, IReadOnlyList<V1EndpointSlice> slices, NodeContext node, IReadOnlyDictionary<IpFamily, NodeNetwork> networks, ReconcileOptions options)
    {
        var warnings = new List<string>();
        if (ServiceSpecReader.Read(service, warnings) is not { } spec)
        {
            return new ServiceProgram([], null, [.. warnings], null);
        }
        var ports = ImmutableArray.CreateBuilder<ServicePort>();
        var localReady = new Dictionary<IpFamily, HashSet<IPAddress>>();
        foreach (var clusterIP in spec.ClusterIPs)
        {
            var family = clusterIP.Family();
            foreach (var portSpec in spec.Ports)
            {
                var candidates = EndpointResolver.Resolve(slices, portSpec.Name, portSpec.Protocol, family, node.NodeName, warnings);
                ports.Add(ServicePortBuilder.Build(spec, portSpec, clusterIP, candidates, networks[family], node, options));
                var local = localReady.TryGetValue(family, out var set) ? set : localReady[family] = [];
                local.UnionWith(candidates.Where(c => c.IsLocal && c.Ready && !c.Terminating).Select(c => c.Address));
            }
        }
        var healthCheck = spec.HealthCheckNodePort == 0 ? null : new ServiceHealthCheck(
            spec.Namespace, spec.Name, spec.HealthCheckNodePort, localReady.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.Count));
        // One warning per object and sync: the daemon logs each once while it lasts.
        return new ServiceProgram(ports.ToImmutable(), healthCheck, [.. warnings.Distinct(StringComparer.Ordinal)], service.Metadata?.CreationTimestamp);
    }

    /// <summary>One Service's share of the model: cached as a unit by <see cref="IncrementalReconciler"/>.</summary>
    /// <param name="Created">creationTimestamp: the older Service keeps a destination two of them claim.</param>
    internal sealed record ServiceProgram(ImmutableArray<ServicePort> Ports, ServiceHealthCheck? HealthCheck, ImmutableArray<string> Warnings, DateTime? Created);
}
