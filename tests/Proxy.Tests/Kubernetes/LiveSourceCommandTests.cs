using k8s.Models;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.Kubernetes;

/// <summary>The whole command with --kubeconfig against the fake API server, in --dry-run so nothing is changed.</summary>
public sealed class LiveSourceCommandTests : IAsyncDisposable
{
    private readonly FakeApiServer server = FakeApiServer.Start();
    private readonly string dir = Directory.CreateTempSubdirectory("kps-live-").FullName;

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task OnceWithAKubeconfigListsEverythingThenSyncsIt()
    {
        server.Apply(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { ClusterIP = "10.96.0.10", Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        });
        server.Apply(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = ["10.244.1.2"] }],
        });
        server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1", Labels = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "a" } } });
        var kubeconfig = Kubeconfig.Write(Path.Combine(dir, "kubeconfig"), server.Url);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--kubeconfig", kubeconfig, "--hostname-override", "node-1", "--dry-run", "--once"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("-A KUBE-SEP-", stdout.ToString());
        Assert.Contains("--to-destination 10.244.1.2:8080", stdout.ToString());
        Assert.Equal(1, server.ListRequests(ResourceKind.Nodes));
    }

    [Fact]
    public async Task WithNeitherAClusterNorManifestsItSaysHowToPointItAtOne()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.False(global::k8s.KubernetesClientConfiguration.IsInCluster());

        var exit = await ProxyCommand.RunAsync(["--once"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, exit);
        Assert.Contains("give --kubeconfig PATH or --master URL", stderr.ToString());
    }

    [Fact]
    public async Task ABrokenKubeconfigIsAClearError()
    {
        var kubeconfig = Path.Combine(dir, "broken");
        File.WriteAllText(kubeconfig, "clusters: [");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await ProxyCommand.RunAsync(["--kubeconfig", kubeconfig, "--once"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, exit);
        Assert.StartsWith($"kube-proxy-sharp: cannot use --kubeconfig {kubeconfig}:", stderr.ToString());
    }
}
