using Proxy.Sources;

namespace Proxy.Tests.Sources;

public class ManifestParserTests
{
    [Fact]
    public void ReadsSeveralDocumentsAListAndSkipsKindsAProxyDoesNotRead()
    {
        var file = ManifestParser.Parse("m.yaml", """
            # leading comment
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: a, namespace: default}
            spec: {clusterIP: 10.96.0.1, ports: [{port: 80, targetPort: http}]}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d}
            spec: {replicas: 2}
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: a-1, namespace: default, labels: {kubernetes.io/service-name: a}}
                addressType: IPv4
                endpoints: [{addresses: [10.244.1.1]}]
              - apiVersion: v1
                kind: Node
                metadata: {name: node-1, labels: {zone: a}}
            ---
            """);

        Assert.Null(file.Error);
        Assert.Equal("a", Assert.Single(file.Services).Metadata.Name);
        Assert.Equal("http", file.Services[0].Spec.Ports[0].TargetPort.Value);
        Assert.Equal("10.244.1.1", Assert.Single(file.EndpointSlices).Endpoints[0].Addresses[0]);
        Assert.Equal("node-1", Assert.Single(file.Nodes).Metadata.Name);
    }

    [Fact]
    public void InvalidYamlIsAnErrorNamingFileAndLine()
    {
        var file = ManifestParser.Parse("broken.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x\nspec: {}\n");

        Assert.NotNull(file.Error);
        Assert.StartsWith("broken.yaml:", file.Error);
        Assert.Contains("invalid YAML", file.Error);
        Assert.Empty(file.Services);
    }

    [Fact]
    public void AnObjectThatCannotBeReadNamesItsKindNameAndLine_AndTheWholeFileYieldsNothing()
    {
        var file = ManifestParser.Parse("bad.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: good}
            spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: wrong}
            spec: {clusterIP: 10.96.0.2, ports: [{port: eighty}]}
            """);

        Assert.NotNull(file.Error);
        Assert.StartsWith("bad.yaml:6: Service \"wrong\" cannot be read", file.Error);
        Assert.Empty(file.Services);
    }

    [Theory]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("kind: Service\nmetadata: {name: x}\n", "has no apiVersion")]
    [InlineData("apiVersion: v1\nmetadata: {name: x}\n", "has no kind")]
    public void DocumentsThatAreNotObjectsAreErrors(string yaml, string expected)
    {
        var file = ManifestParser.Parse("x.yaml", yaml);

        Assert.StartsWith("x.yaml:1: ", file.Error);
        Assert.Contains(expected, file.Error);
    }
}
