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

    /// <summary>Starts the informer with short backoffs; <paramref name="httpTimeout"/> is the client's timeout of REST (not watch) calls.</summary>
    private async Task StartAsync(TimeSpan? httpTimeout = null, TimeSpan? watchIdleTimeout = null, bool waitForSync = true)
    {
        var configuration = new KubernetesClientConfiguration { Host = server.Url.ToString() };
        if (httpTimeout is { } timeout)
        {
            configuration.HttpClientTimeout = timeout;
        }
        client = new global::k8s.Kubernetes(configuration);
        informer = new Informer<V1Service>(ListWatches.Services(client), cache,
            new Backoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), new Random(1)), TimeProvider.System, NullLogger.Instance,
            watchIdleTimeout ?? ListWatches.WatchIdleTimeout);
        running = informer.RunAsync(stop.Token);
        if (waitForSync)
        {
            await informer.Synced.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The cache holds exactly the server's objects, each at the server's resourceVersion.</summary>
    private void AssertCacheEqualsServer()
    {
        var cached = cache.Snapshot().ToDictionary(ObjectCache<V1Service>.KeyOf, s => s.Metadata.ResourceVersion, StringComparer.Ordinal);
        Assert.Equal(server.Versions(ResourceKind.Services).OrderBy(kv => kv.Key, StringComparer.Ordinal), cached.OrderBy(kv => kv.Key, StringComparer.Ordinal));
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
    public async Task WatchesThatAllFailWithAnErrorEventAreRetriedWithBackoff_NotATightLoopOfLists()
    {
        server.Apply(Service("a", "10.96.0.1"));
        server.FailWatches(500);

        await StartAsync();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var lists = server.ListRequests(ResourceKind.Services);
        server.FailWatches(null);
        server.Apply(Service("b", "10.96.0.2"));

        // Backoff 20 ms doubling to 200 ms: about 10 lists in 1.5 s; without it, one per round trip (hundreds).
        Assert.InRange(lists, 2, 20);
        await Eventually(() => Names().SequenceEqual(["a", "b"]), "the informer follows once watches work again");
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
    public async Task ADroppedWatchResumesFromTheLastBookmarkWithoutARelist()
    {
        server.Apply(Service("a", "10.96.0.1"));
        await StartAsync();
        await Eventually(() => server.WatchRequests(ResourceKind.Services) == 1, "the watch is open");
        // A change to another resource moves the server's version on without a Service event: only the bookmark carries it.
        server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
        var bookmarked = server.CurrentVersion;
        server.SendBookmarks();

        server.DropWatches();
        await Eventually(() => server.WatchRequests(ResourceKind.Services) > 1, "the watch is reopened");
        server.Apply(Service("b", "10.96.0.2"));
        await Eventually(() => Names().Contains("b"), "b arrives after the drop");

        Assert.Equal(bookmarked, server.WatchVersions(ResourceKind.Services)[1]);
        Assert.Equal(1, server.ListRequests(ResourceKind.Services));
        Assert.Equal(1, informer!.Lists);
    }

    [Fact]
    public async Task AWatchCutMidStreamResumesFromTheLastEventItApplied_WithoutARelist()
    {
        server.Apply(Service("a", "10.96.0.1"));
        await StartAsync();
        var listed = server.CurrentVersion;
        server.Apply(Service("b", "10.96.0.2"));
        server.Apply(Service("c", "10.96.0.3"));
        await Eventually(() => Names().SequenceEqual(["a", "b", "c"]), "b and c are applied");
        var lastApplied = server.CurrentVersion;

        server.DropWatches();
        server.Apply(Service("d", "10.96.0.4"));
        server.Apply(Service("b", "10.96.0.22"));
        server.Delete(ResourceKind.Services, "default", "a");
        await Eventually(() => Names().SequenceEqual(["b", "c", "d"]) && cache.Snapshot().Single(s => s.Metadata.Name == "b").Spec.ClusterIP == "10.96.0.22",
            "the events after the cut arrive");

        var asked = server.WatchVersions(ResourceKind.Services);
        Assert.Equal(listed, asked[0]);
        Assert.Equal(lastApplied, asked[1]);
        Assert.Equal(1, server.ListRequests(ResourceKind.Services));
        Assert.Equal(1, informer!.Lists);
        AssertCacheEqualsServer();
    }

    [Fact]
    public async Task AVersionThatIsGoneCausesARelist_AndTheCacheEndsEqualToTheServerIncludingDeletionsWhileAway()
    {
        server.Apply(Service("a", "10.96.0.1"));
        server.Apply(Service("b", "10.96.0.2"));
        await StartAsync();
        server.Apply(Service("e", "10.96.0.5"));
        server.Apply(Service("a", "10.96.0.11"));
        await Eventually(() => Names().Contains("e") && cache.Snapshot().Single(s => s.Metadata.Name == "a").Spec.ClusterIP == "10.96.0.11", "the events before the outage are applied");
        var lastApplied = server.CurrentVersion;
        var watchesBefore = server.WatchRequests(ResourceKind.Services);

        await server.StopAsync();
        server.Delete(ResourceKind.Services, "default", "a");
        server.Delete(ResourceKind.Services, "default", "e");
        server.Apply(Service("b", "10.96.0.22"));
        server.Apply(Service("c", "10.96.0.3"));
        server.Compact();
        server.Restart();

        await Eventually(() => Names().SequenceEqual(["b", "c"]), "the cache matches the server");
        Assert.Equal(["default/b", "default/c"], server.Keys(ResourceKind.Services));
        Assert.Equal("10.96.0.22", cache.Snapshot().Single(s => s.Metadata.Name == "b").Spec.ClusterIP);
        // It first tried to resume where it was (and got 410), then relisted and watched from the new list.
        Assert.Equal(lastApplied, server.WatchVersions(ResourceKind.Services)[watchesBefore]);
        Assert.Equal(2, server.ListRequests(ResourceKind.Services));
        Assert.Equal(2, informer!.Lists);
        AssertCacheEqualsServer();
    }

    [Fact]
    public async Task AClientTimeoutOnASlowApiServerIsRetried_AndTheInformerRecoversWhenItIsFastAgain()
    {
        server.Apply(Service("a", "10.96.0.1"));
        server.Apply(Service("b", "10.96.0.2"));
        server.ResponseDelay = TimeSpan.FromSeconds(3);

        await StartAsync(httpTimeout: TimeSpan.FromMilliseconds(300), waitForSync: false);
        await Eventually(() => server.RequestsReceived >= 2 || running!.IsCompleted, "the list times out and is tried again");
        Assert.False(running!.IsCompleted, $"the informer stopped: {running.Exception?.GetBaseException().Message}");
        server.ResponseDelay = TimeSpan.Zero;

        await informer!.Synced.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(["a", "b"], Names());
        server.Apply(Service("c", "10.96.0.3"));
        await Eventually(() => Names().Contains("c"), "the watch follows changes after the recovery");
        Assert.False(running.IsCompleted);
    }

    [Fact]
    public async Task ASilentWatchIsAbandonedAfterTheIdleTimeout_AndResumedFromTheLastVersion()
    {
        server.Apply(Service("a", "10.96.0.1"));
        await StartAsync(watchIdleTimeout: TimeSpan.FromSeconds(1));
        await Eventually(() => server.WatchRequests(ResourceKind.Services) >= 1, "the watch is open");
        server.Apply(Service("b", "10.96.0.2"));
        await Eventually(() => Names().Contains("b"), "b arrives");
        var lastSeen = server.CurrentVersion;
        var watchesBefore = server.WatchRequests(ResourceKind.Services);

        server.StallWatches();
        server.Apply(Service("c", "10.96.0.3"));

        await Eventually(() => Names().Contains("c"), "c arrives over a new watch");
        Assert.Equal(lastSeen, server.WatchVersions(ResourceKind.Services)[watchesBefore]);
        Assert.Equal(1, server.ListRequests(ResourceKind.Services));
        Assert.Equal(1, informer!.Lists);
        AssertCacheEqualsServer();
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
