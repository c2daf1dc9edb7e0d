using System.Collections.Immutable;
using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.Bench;

/// <summary>
/// The benchmarks' synthetic cluster: N services × 10 endpoints with the realistic mix of features, as objects and as
/// manifests, seen from node <see cref="NodeName"/> (in zone <see cref="NodeZone"/> of three). Generation g moves
/// service 0's first endpoint: one endpoint of one service changes. Service i is, by i:
/// <list type="bullet">
/// <item>i % 10 == 0 (10%): NodePort;</item>
/// <item>i % 20 == 5 (5%): LoadBalancer with externalTrafficPolicy Local (health-check node port), one ingress IP and two
/// loadBalancerSourceRanges;</item>
/// <item>i % 20 == 7 (5%): ClusterIP with ClientIP session affinity;</item>
/// <item>i % 10 == 3 (10%): ClusterIP with internalTrafficPolicy Local;</item>
/// <item>i % 5 == 1 (20%): ClusterIP whose slice carries topology hints as the EndpointSlice controller writes them (each
/// endpoint hinted for its own zone), so only this node's zone's endpoints are used;</item>
/// <item>otherwise: plain ClusterIP.</item>
/// </list>
/// Endpoint j of service i runs on node-((i + j) % 20): half the services have one endpoint on this node.
/// </summary>
public static class SyntheticCluster
{
    public const int Endpoints = 10;

    public const string NodeName = "node-1";

    public const string NodeZone = "zone-b";

    private const int Nodes = 20;

    private const string ZoneLabel = "topology.kubernetes.io/zone";

    private static readonly string[] Zones = ["zone-a", NodeZone, "zone-c"];

    /// <summary>The options every benchmark reconciles with: pods are in 10.128.0.0/9.</summary>
    public static ReconcileOptions Options { get; } = new(false, EquatableArray.Create(IPNetwork.Parse(ClusterCidr)));

    /// <summary>This node, with its zone label (what the topology hints are read against).</summary>
    public static NodeContext Node { get; } = new(NodeName, new(ImmutableDictionary<string, string>.Empty.Add(ZoneLabel, NodeZone)));

    /// <summary>The pod CIDR the daemon is started with (--cluster-cidr).</summary>
    public const string ClusterCidr = "10.128.0.0/9";

    public static ClusterObjects Objects(int size, int generation)
    {
        var services = new List<V1Service>(size);
        var slices = new List<V1EndpointSlice>(size);
        for (var i = 0; i < size; i++)
        {
            services.Add(Service(i));
            slices.Add(Slice(i, i == 0 ? generation : 0));
        }
        return new ClusterObjects([.. services], [.. slices], [NodeObject()]);
    }

    /// <summary><paramref name="objects"/> with service 0's first endpoint moved to generation <paramref name="generation"/>'s address.</summary>
    public static ClusterObjects WithOneEndpointMoved(ClusterObjects objects, int generation) =>
        objects with { EndpointSlices = objects.EndpointSlices.SetItem(0, Slice(0, generation)) };

    public static string ClusterIP(int service) => $"10.{96 + (service / 62500)}.{service / 250 % 250}.{(service % 250) + 1}";

    public static string Address(int service, int endpoint, int generation)
    {
        // Generations go round every 15 (128 + 14 × 8 + 4 at 30k stays below 256): consecutive ones always differ, so
        // the 16th and later changes of a benchmark are real changes, not the same invalid address again.
        var n = (service * Endpoints) + endpoint;
        return $"10.{128 + (n / 62500) + (generation % 15 * 8)}.{n / 250 % 250}.{(n % 250) + 1}";
    }

    private static string LoadBalancerIP(int service) => $"172.{16 + (service / 62500)}.{service / 250 % 250}.{(service % 250) + 1}";

    private static V1Service Service(int i)
    {
        var loadBalancer = i % 20 == 5;
        var spec = new V1ServiceSpec
        {
            Type = loadBalancer ? "LoadBalancer" : i % 10 == 0 ? "NodePort" : "ClusterIP",
            ClusterIP = ClusterIP(i),
            ClusterIPs = [ClusterIP(i)],
            Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080 }],
        };
        V1ServiceStatus? status = null;
        if (i % 10 == 0)
        {
            // Beyond the default 30000-32767 range at 30k services: a cluster that size widens --service-node-port-range.
            spec.Ports[0].NodePort = 30000 + (i / 10);
        }
        else if (loadBalancer)
        {
            spec.Ports[0].NodePort = 40000 + (i / 20);
            spec.ExternalTrafficPolicy = "Local";
            spec.HealthCheckNodePort = 45000 + (i / 20);
            spec.LoadBalancerSourceRanges = ["203.0.113.0/24", "198.51.100.0/24"];
            status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = LoadBalancerIP(i) }] } };
        }
        else if (i % 20 == 7)
        {
            spec.SessionAffinity = "ClientIP";
            spec.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 10800 } };
        }
        else if (i % 10 == 3)
        {
            spec.InternalTrafficPolicy = "Local";
        }
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = $"svc-{i}", NamespaceProperty = "bench" },
            Spec = spec,
            Status = status,
        };
    }

    private static V1EndpointSlice Slice(int i, int generation)
    {
        var hinted = i % 5 == 1;
        var endpoints = new List<V1Endpoint>(Endpoints);
        for (var j = 0; j < Endpoints; j++)
        {
            var node = (i + j) % Nodes;
            var zone = Zones[node % Zones.Length];
            endpoints.Add(new V1Endpoint
            {
                Addresses = [Address(i, j, j == 0 ? generation : 0)],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                NodeName = $"node-{node}",
                Zone = zone,
                Hints = hinted ? new V1EndpointHints { ForZones = [new V1ForZone { Name = zone }] } : null,
            });
        }
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = $"svc-{i}-1", NamespaceProperty = "bench", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = $"svc-{i}" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            Endpoints = endpoints,
        };
    }

    private static V1Node NodeObject() => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { [ZoneLabel] = NodeZone } },
    };

    /// <summary>The same cluster as one manifest file's text: one compact JSON document (valid YAML) per object.</summary>
    public static string Manifests(int size)
    {
        var cluster = Objects(size, 0);
        var text = new StringBuilder();
        foreach (var o in cluster.Nodes.Cast<object>().Concat(cluster.Services).Concat(cluster.EndpointSlices))
        {
            text.Append(KubernetesJson.Serialize(o)).Append("\n---\n");
        }
        return text.ToString();
    }

    /// <summary>The peak resident set (VmHWM) of a process, in MiB; 0 once it is gone.</summary>
    public static double PeakRssMiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
