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
    private static readonly IpFamily[] Families = [IpFamily.IPv4, IpFamily.IPv6];

    public static ReconcileResult Reconcile(ClusterObjects objects, NodeContext node, ReconcileOptions options)
    {
        var warnings = new List<string>();
        var networks = Networks(node, options, warnings);
        var slicesByService = new SliceIndex().Group(objects.EndpointSlices, warnings);
        var programmed = new List<ServiceProgram>();
        foreach (var service in objects.Services)
        {
            var slices = slicesByService.GetValueOrDefault((service.Namespace() ?? "default", service.Name()), []);
            programmed.Add(Program(service, slices, node, networks, options));
        }
        return Assemble(programmed, networks, objects.ServiceCIDRs, warnings);
    }

    /// <summary>Each family's node network: decided once per sync, before any service.</summary>
    internal static Dictionary<IpFamily, NodeNetwork> Networks(NodeContext node, ReconcileOptions options, List<string> warnings) =>
        Families.ToDictionary(f => f, f => NodeNetworkResolver.Resolve(f, node, options, warnings));

    /// <summary>
    /// The per-family states from every service's ports, in canonical order, and the health checks. A port name that
    /// appears twice in one family (only the same Service given twice can do that here: <see cref="Program"/> keeps one
    /// of each of its own) keeps its first occurrence, with a warning.
    /// </summary>
    internal static ReconcileResult Assemble(
        IEnumerable<ServiceProgram> programmed, IReadOnlyDictionary<IpFamily, NodeNetwork> networks, IEnumerable<V1ServiceCIDR> serviceCidrs, List<string> warnings)
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
                    warnings.Add(Twice(port));
                }
            }
        }
        var created = programmed.Where(p => p.Ports.Length > 0)
            .GroupBy(p => (p.Ports[0].Name.Namespace, p.Ports[0].Name.Name))
            .ToDictionary(g => g.Key, g => g.First().Created);
        var resolution = DestinationConflicts.Resolve(unique, created);
        warnings.AddRange(resolution.Warnings.Select(w => w.Text));
        unique = [.. resolution.Kept.OfType<ServicePort>()];
        var cidrs = ServiceCidrReader.Read(serviceCidrs, warnings);
        return new ReconcileResult(State(IpFamily.IPv4, unique, networks, cidrs), State(IpFamily.IPv6, unique, networks, cidrs), [.. warnings])
        {
            HealthChecks = ServiceHealthCheck.InNameOrder(healthChecks),
        };
    }

    private static ProxyState State(
        IpFamily family, List<ServicePort> ports, IReadOnlyDictionary<IpFamily, NodeNetwork> networks, IReadOnlyDictionary<IpFamily, EquatableArray<IPNetwork>> serviceCidrs) =>
        ProxyState.Create(family, networks[family], ports.Where(p => p.ClusterIP.Family() == family)) with { ServiceCIDRs = serviceCidrs[family] };

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
        // A port name twice in one family (only a malformed Service says that) keeps its first occurrence: decided here,
        // per Service, so that a Service's share of the model is its own (IncrementalReconciler keeps it as a unit).
        var seen = new HashSet<(ServicePortName, IpFamily)>();
        var unique = ImmutableArray.CreateBuilder<ServicePort>(ports.Count);
        var twice = new List<string>();
        foreach (var port in ports)
        {
            if (seen.Add((port.Name, port.ClusterIP.Family())))
            {
                unique.Add(port);
            }
            else
            {
                twice.Add(Twice(port));
            }
        }
        // One warning per object and sync: the daemon logs each once while it lasts.
        return new ServiceProgram(unique.ToImmutable(), healthCheck, [.. warnings.Distinct(StringComparer.Ordinal), .. twice], service.Metadata?.CreationTimestamp);
    }

    private static string Twice(ServicePort port) =>
        $"Service {port.Name.Namespace}/{port.Name.Name}: port \"{port.Name.PortName}\"/{port.Protocol.ToKubernetes()} appears twice; the second is skipped";

    /// <summary>One Service's share of the model: cached as a unit by <see cref="IncrementalReconciler"/>.</summary>
    /// <param name="Created">creationTimestamp: the older Service keeps a destination two of them claim.</param>
    internal sealed record ServiceProgram(ImmutableArray<ServicePort> Ports, ServiceHealthCheck? HealthCheck, ImmutableArray<string> Warnings, DateTime? Created);
}
