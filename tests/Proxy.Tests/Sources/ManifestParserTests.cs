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

        Assert.Empty(file.Errors);
        Assert.Equal("a", Assert.Single(file.Services).Metadata.Name);
        Assert.Equal("http", file.Services[0].Spec.Ports[0].TargetPort.Value);
        Assert.Equal("10.244.1.1", Assert.Single(file.EndpointSlices).Endpoints[0].Addresses[0]);
        Assert.Equal("node-1", Assert.Single(file.Nodes).Metadata.Name);
    }

    [Fact]
    public void InvalidYamlIsAnErrorNamingFileAndLine()
    {
        var file = ManifestParser.Parse("broken.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x\nspec: {}\n");

        var error = Assert.Single(file.Errors);
        Assert.StartsWith("broken.yaml:", error);
        Assert.Contains("invalid YAML", error);
        Assert.Empty(file.Services);
        Assert.True(file.Whole);
    }

    /// <summary>One bad document is skipped with its file and line; every other object of the file is read.</summary>
    [Theory]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: \"http\"}]}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: eighty}]}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: 80.5}]}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: true}]}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: 99999999999}]}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: {port: 80}}", "bad.yaml:8: Service \"wrong\" cannot be read")]
    [InlineData("spec: {clusterIP: 10.96.0.2, ports: [{port: 80}]}\nspec: {}", "bad.yaml:12:1: invalid YAML: Duplicate key")] // at the second "spec"
    [InlineData("spec: {clusterIP: [10.96.0.2, ports: [{port: 80}]}", "bad.yaml:11:50: invalid YAML")]
    public void ADocumentThatCannotBeReadIsSkippedAndTheOthersAreRead(string wrongSpec, string expected)
    {
        var file = ManifestParser.Parse("bad.yaml", $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: good}
            spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}
            ---
            # the next one is broken
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: wrong}
            {{wrongSpec}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: also-good}
            spec: {clusterIP: 10.96.0.3, ports: [{port: 80}]}
            """);

        Assert.StartsWith(expected, Assert.Single(file.Errors));
        Assert.EndsWith("skipped", file.Errors[0]);
        Assert.Equal(["good", "also-good"], file.Services.Select(s => s.Metadata.Name));
        Assert.Equal("bad.yaml:1", file.Where(file.Services[0]));
    }

    [Theory]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("just a scalar\n", "must be a mapping")]
    [InlineData("kind: Service\nmetadata: {name: x}\n", "has no apiVersion")]
    [InlineData("apiVersion: v1\nmetadata: {name: x}\n", "has no kind")]
    public void DocumentsThatAreNotObjectsAreErrors(string yaml, string expected)
    {
        var file = ManifestParser.Parse("x.yaml", yaml + "---\napiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}\n");

        var error = Assert.Single(file.Errors);
        Assert.StartsWith("x.yaml:1: ", error);
        Assert.Contains(expected, error);
        Assert.Equal("ok", Assert.Single(file.Services).Metadata.Name);
    }

    [Fact]
    public void ABadItemOfAListIsSkipped_TheOtherItemsAreRead()
    {
        var file = ManifestParser.Parse("list.yaml", """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Service
                metadata: {name: a}
                spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}
              - {kind: Service, metadata: {name: no-version}}
              - apiVersion: v1
                kind: Service
                metadata: {name: b}
                spec: {clusterIP: 10.96.0.2, ports: [{port: x}]}
              - apiVersion: v1
                kind: Service
                metadata: {name: c}
                spec: {clusterIP: 10.96.0.3, ports: [{port: 80}]}
            """);

        Assert.Equal(["a", "c"], file.Services.Select(s => s.Metadata.Name));
        Assert.Equal(2, file.Errors.Length);
        Assert.StartsWith("list.yaml:8: object has no apiVersion", file.Errors[0]);
        Assert.StartsWith("list.yaml:9: Service \"b\" cannot be read", file.Errors[1]);
    }

    [Theory]
    [InlineData("[", "]", 99, true)] // inside the document's own mapping: 100 deep
    [InlineData("[", "]", 100, false)]
    [InlineData("{a: ", "}", 100, false)]
    [InlineData("[", "]", 100_000, false)] // would overflow the stack of a recursive loader and end the process
    public void NestingIsLimitedAndTooDeepIsAnError(string open, string close, int depth, bool readable)
    {
        var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        var file = ManifestParser.Parse("deep.yaml", $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {nested}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: ok}}\nspec: {{clusterIP: 10.96.0.1, ports: [{{port: 80}}]}}\n");

        Assert.Equal("ok", Assert.Single(file.Services).Metadata.Name);
        if (readable)
        {
            Assert.Empty(file.Errors);
        }
        else
        {
            Assert.Contains("collections are nested more than 100 deep; document skipped", Assert.Single(file.Errors));
        }
    }

    [Fact]
    public void AliasesThatExpandBeyondTheLimitAreAnError_AModestAnchorIsFine()
    {
        // Nine levels of ten aliases each: a billion nodes once expanded.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i =>
            $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));
        var file = ManifestParser.Parse("bomb.yaml", $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: shared
              labels: &labels {app: web}
              annotations: *labels
            spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: bomb}
            spec:
            {{string.Join("\n", bomb.Split('\n').Select(l => "  " + l))}}
            """);

        Assert.Equal("shared", Assert.Single(file.Services).Metadata.Name);
        Assert.Equal("web", file.Services[0].Metadata.Annotations["app"]);
        Assert.Contains("aliases expand to more than 100000 nodes; document skipped", Assert.Single(file.Errors));
    }

    [Fact]
    public void ErrorsQuoteObjectTextOnOneLine()
    {
        var file = ManifestParser.Parse("q.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: \"a\\nb\"}\nspec: {ports: [{port: \"x\\ny\"}]}\n");

        var error = Assert.Single(file.Errors);
        Assert.StartsWith("q.yaml:1: Service \"a\\nb\" cannot be read", error);
        Assert.DoesNotContain('\n', error);
    }
}
