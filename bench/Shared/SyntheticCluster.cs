using System.Text;
using k8s.Models;
using Proxy.Reconciling;

namespace Proxy.Bench;

/// <summary>
/// The benchmarks' synthetic cluster: N services × 10 endpoints (every 10th service a NodePort), as objects and as
/// manifests. Generation g moves service 0's first endpoint: one endpoint of one service changes.
/// </summary>
public static class SyntheticCluster
{
    public const int Endpoints = 10;

    public static ClusterObjects Objects(int size, int generation)
    {
        var services = new List<V1Service>();
        var slices = new List<V1EndpointSlice>();
        for (var i = 0; i < size; i++)
        {
            services.Add(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = $"svc-{i}", NamespaceProperty = "bench" },
                Spec = new V1ServiceSpec
                {
                    Type = i % 10 == 0 ? "NodePort" : "ClusterIP",
                    ClusterIP = ClusterIP(i),
                    Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", NodePort = i % 10 == 0 ? 30000 + (i / 10) : null }],
                },
            });
            var hosts = Enumerable.Range(0, Endpoints).Select(j => Address(i, j, i == 0 && j == 0 ? generation : 0));
            slices.Add(new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta { Name = $"svc-{i}-1", NamespaceProperty = "bench", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = $"svc-{i}" } },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
                Endpoints = [.. hosts.Select(h => new V1Endpoint { Addresses = [h] })],
            });
        }
        return new ClusterObjects([.. services], [.. slices], []);
    }

    public static string ClusterIP(int service) => $"10.{96 + (service / 62500)}.{service / 250 % 250}.{(service % 250) + 1}";

    public static string Address(int service, int endpoint, int generation)
    {
        var n = (service * Endpoints) + endpoint;
        return $"10.{128 + (n / 62500) + (generation * 8)}.{n / 250 % 250}.{(n % 250) + 1}";
    }

    public static string Manifests(int size)
    {
        var cluster = Objects(size, 0);
        var text = new StringBuilder();
        foreach (var s in cluster.Services)
        {
            var np = s.Spec.Ports[0].NodePort is { } p ? $", nodePort: {p}" : "";
            text.Append($"apiVersion: v1\nkind: Service\nmetadata: {{name: {s.Metadata.Name}, namespace: bench}}\nspec: {{type: {s.Spec.Type}, clusterIP: {s.Spec.ClusterIP}, ports: [{{name: http, port: 80{np}}}]}}\n---\n");
        }
        foreach (var e in cluster.EndpointSlices)
        {
            text.Append($"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: {e.Metadata.Name}, namespace: bench, labels: {{kubernetes.io/service-name: {e.Metadata.Labels["kubernetes.io/service-name"]}}}}}\n");
            text.Append($"addressType: IPv4\nports: [{{name: http, port: 8080}}]\nendpoints: [{string.Join(", ", e.Endpoints.Select(x => $"{{addresses: [{x.Addresses[0]}]}}"))}]\n---\n");
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
