using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Kubernetes;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.Kubernetes;

/// <summary>The informer, through the real KubernetesClient, against the fake API server over HTTP.</summary>
public sealed class InformerTests : IAsyncDisposable
{
    private readonly FakeApiServer server = FakeApiServer.Start();
    private readonly CancellationTokenSource stop = new();
    private readonly ObjectCache<V1Service> cache = new();
    private readonly List<string> changes = [];
    private global::k8s.Kubernetes? client;
    private Informer<V1Service>? informer;
    private Task? running;

    public InformerTests() => cache.Changed += (s, _) =>
    {
        lock (changes)
        {
            changes.Add($"{s.Metadata.Name}@{s.Metadata.ResourceVersion}");
        }
    };

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            await running;
        }
        client?.Dispose();
        await server.DisposeAsync();
        stop.Dispose();
    }

    private static V1Service Service(string name, string ip, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels },
        Spec = new V1ServiceSpec { ClusterIP = ip, Ports = [new V1ServicePort { Port = 80 }] },
    };

    private async Task StartAsync()
    {
        client = new global::k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.Url.ToString() });
        informer = new Informer<V1Service>(ListWatches.Services(client), cache,
            new Backoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), new Random(1)), TimeProvider.System, NullLogger.Instance);
        running = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(condition(), $"timed out waiting until {what}");
    }

    private List<string> Names() => [.. cache.Snapshot().Select(s => s.Metadata.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task TheInitialListIsReadPageByPage()
    {
        for (var i = 0; i < 1200; i++)
        {
            server.Apply(Service($"svc-{i:D4}", $"10.96.{i / 250}.{(i % 250) + 1}"));
        }

        await StartAsync();

        Assert.Equal(1200, cache.Count);
        Assert.Equal(3, server.ListRequests(ResourceKind.Services));
    }

    [Fact]
    public async Task WatchEventsArriveInOrder()
    {
        server.Apply(Service("a", "10.96.0.1"));
        server.Apply(Service("b", "10.96.0.2"));
        await StartAsync();
        lock (changes)
        {
            changes.Clear();
        }

        server.Apply(Service("c", "10.96.0.3"));
        server.Apply(Service("a", "10.96.0.11"));
        server.Delete(ResourceKind.Services, "default", "b");
        await Eventually(() => Names().SequenceEqual(["a", "c"]), "a and c remain");

        Assert.Equal("10.96.0.11", cache.Snapshot().Single(s => s.Metadata.Name == "a").Spec.ClusterIP);
        lock (changes)
        {
            Assert.Equal(["c", "a", "b"], changes.Select(c => c.Split('@')[0]));
        }
        Assert.Equal(1, server.ListRequests(ResourceKind.Services));
    }

    [Fact]
    public async Task ServicesOfOtherProxiesAndHeadlessOnesAreNeverFetched()
    {
        server.Apply(Service("mine", "10.96.0.1"));
        server.Apply(Service("theirs", "10.96.0.2", new() { ["service.kubernetes.io/service-proxy-name"] = "other" }));
        server.Apply(Service("headless", "10.96.0.3", new() { ["service.kubernetes.io/headless"] = "" }));
        await StartAsync();

        server.Apply(Service("theirs-too", "10.96.0.4", new() { ["service.kubernetes.io/service-proxy-name"] = "other" }));
        server.Apply(Service("mine-too", "10.96.0.5"));
        await Eventually(() => Names().Contains("mine-too"), "mine-too arrives");

        Assert.Equal(["mine", "mine-too"], Names());
    }

    [Fact]
    public async Task ADroppedWatchResumesFromTheLastVersionWithoutARelist()
    {
        server.Apply(Service("a", "10.96.0.1"));
        await StartAsync();
        server.SendBookmarks();
        var watchesBefore = server.WatchRequests(ResourceKind.Services);

        server.DropWatches();
        await Eventually(() => server.WatchRequests(ResourceKind.Services) > watchesBefore, "the watch is reopened");
        server.Apply(Service("b", "10.96.0.2"));
        await Eventually(() => Names().Contains("b"), "b arrives after the drop");

        Assert.Equal(1, server.ListRequests(ResourceKind.Services));
        Assert.Equal(1, informer!.Lists);
    }

    [Fact]
    public async Task AVersionThatIsGoneCausesARelist_AndTheCacheEndsEqualToTheServerIncludingDeletionsWhileAway()
    {
        server.Apply(Service("a", "10.96.0.1"));
        server.Apply(Service("b", "10.96.0.2"));
        await StartAsync();

        await server.StopAsync();
        server.Delete(ResourceKind.Services, "default", "a");
        server.Apply(Service("b", "10.96.0.22"));
        server.Apply(Service("c", "10.96.0.3"));
        server.Compact();
        server.Restart();

        await Eventually(() => Names().SequenceEqual(["b", "c"]), "the cache matches the server");
        Assert.Equal(["default/b", "default/c"], server.Keys(ResourceKind.Services));
        Assert.Equal("10.96.0.22", cache.Snapshot().Single(s => s.Metadata.Name == "b").Spec.ClusterIP);
        Assert.Equal(2, informer!.Lists);
    }

    [Fact]
    public async Task AnEventThatCannotBeDecodedIsSkipped()
    {
        await StartAsync();

        server.InjectGarbage(ResourceKind.Services);
        server.Apply(Service("after-garbage", "10.96.0.9"));

        await Eventually(() => Names().Contains("after-garbage"), "the next event still arrives");
        Assert.Equal(1, informer!.Lists);
    }
}
