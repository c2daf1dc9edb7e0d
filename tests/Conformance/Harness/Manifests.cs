namespace Proxy.Conformance.Tests.Harness;

/// <summary>A temporary manifests directory and builders for the Service/EndpointSlice YAML the scenarios use.</summary>
public sealed class Manifests : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kps-conformance-").FullName;

    public void Write(string file, string yaml) => File.WriteAllText(Path.Combine(Directory, file), yaml);

    public void Delete(string file) => File.Delete(Path.Combine(Directory, file));

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    /// <summary>
    /// A Service with one port named "p" plus its EndpointSlice with <paramref name="endpoints"/> (pod IPs), all on
    /// this node ("node-1", the proxy's --hostname-override): the pod namespaces hang off the node namespace.
    /// </summary>
    public static string Service(string name, string clusterIP, int port, int targetPort, string[] endpoints, int nodePort = 0, string protocol = "TCP")
    {
        var type = nodePort == 0 ? "ClusterIP" : "NodePort";
        var nodePortLine = nodePort == 0 ? "" : $", nodePort: {nodePort}";
        var slice = endpoints.Length == 0 ? "" : $"""
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {"{"}name: {name}-1, namespace: default, labels: {"{"}kubernetes.io/service-name: {name}{"}"}{"}"}
            addressType: IPv4
            ports: [{"{"}name: p, protocol: {protocol}, port: {targetPort}{"}"}]
            endpoints: [{string.Join(", ", endpoints.Select(e => $"{{addresses: [{e}], nodeName: node-1}}"))}]
            """;
        return $"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: {name}, namespace: default{"}"}
            spec:
              type: {type}
              clusterIP: {clusterIP}
              ports: [{"{"}name: p, protocol: {protocol}, port: {port}, targetPort: {targetPort}{nodePortLine}{"}"}]
            {slice}

            """;
    }
}
