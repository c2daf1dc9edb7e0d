using Proxy.Reconciling;
using Proxy.Sources;

namespace Proxy.Tests.Reconciling;

/// <summary>Builds reconciler input from Kubernetes YAML, so test tables read like the manifests users write.</summary>
internal static class Objects
{
    public static ClusterObjects FromYaml(string yaml)
    {
        var file = ManifestParser.Parse("test.yaml", yaml);
        Assert.Empty(file.Errors);
        return new ClusterObjects(file.Services, file.EndpointSlices, file.Nodes);
    }

    public static string Service(string name, string clusterIP, string ports, string type = "ClusterIP", string ns = "default", string extra = "") => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        {extra}
        spec:
          type: {type}
          clusterIP: {clusterIP}
          ports: {ports}
        ---

        """;

    public static string Slice(string name, string service, string ports, string endpoints, string addressType = "IPv4", string ns = "default") => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            kubernetes.io/service-name: {service}
        addressType: {addressType}
        ports: {ports}
        endpoints: {endpoints}
        ---

        """;
}
