using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Proxy.Kubernetes;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.Kubernetes;

/// <summary>ServiceCIDRs through the real KubernetesClient against the fake API server, served or not (before Kubernetes 1.33).</summary>
public sealed class ServiceCidrInformerTests : IAsyncDisposable
{
    private static readonly TimeSpan Probe = TimeSpan.FromMinutes(5);

    private readonly FakeApiServer server = FakeApiServer.Start();
    private readonly CancellationTokenSource stop = new();
    private readonly ObjectCache<V1ServiceCIDR> cache = new();
    private readonly FakeTimeProvider time = new();
    private global::k8s.Kubernetes? client;
    private Task? running;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            await running.WaitAsync(TimeSpan.FromSeconds(20));
        }
        await server.DisposeAsync();
        client?.Dispose();
        stop.Dispose();
    }

    [Fact]
    public async Task ServiceCidrsAreListed_ThenWatched()
    {
        server.Apply(Cidr("kubernetes", "10.96.0.0/16", "fd00:10:96::/112"));
        var informer = Start();
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(["10.96.0.0/16", "fd00:10:96::/112"], Assert.Single(cache.Snapshot()).Spec.Cidrs);

        server.Apply(Cidr("extra", "10.97.0.0/16"));

        await Eventually(() => cache.Count == 2, "the watched ServiceCIDR is cached");
    }

    [Fact]
    public async Task AnApiServerThatDoesNotServeThem_CountsAsNone_AndIsAskedAgainUntilItDoes()
    {
        server.ServesServiceCIDRs = false;
        var informer = Start();
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Empty(cache.Snapshot());
        var lists = server.ListRequests(ResourceKind.ServiceCIDRs);
        Assert.Equal(0, server.WatchRequests(ResourceKind.ServiceCIDRs));

        server.ServesServiceCIDRs = true;
        server.Apply(Cidr("kubernetes", "10.96.0.0/16"));
        // Nothing is asked before the probe interval: an older API server is not polled in a loop.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(lists, server.ListRequests(ResourceKind.ServiceCIDRs));
        time.Advance(Probe);

        await Eventually(() => cache.Count == 1, "the ServiceCIDR is listed once the API server serves them");
        await Eventually(() => server.WatchRequests(ResourceKind.ServiceCIDRs) > 0, "it is watched from then on");
    }

    private Informer<V1ServiceCIDR> Start()
    {
        client = new global::k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.Url.ToString() });
        var informer = new Informer<V1ServiceCIDR>(ListWatches.ServiceCIDRs(client, time, Probe), cache,
            new Backoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), new Random(1)), time, NullLogger.Instance, ListWatches.WatchIdleTimeout);
        running = informer.RunAsync(stop.Token);
        return informer;
    }

    private static V1ServiceCIDR Cidr(string name, params string[] cidrs) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1ServiceCIDRSpec { Cidrs = cidrs } };

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(condition(), $"timed out waiting until {what}");
    }
}
