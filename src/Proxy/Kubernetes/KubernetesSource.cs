using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Proxy.Reconciling;
using Proxy.Sources;

namespace Proxy.Kubernetes;

/// <summary>
/// The live source: informers for Services, EndpointSlices and this node's Node, each feeding its cache.
/// Complete only once every informer has listed; after that the caches keep their last content through any
/// API outage, so the rules built from them stay as they are.
/// </summary>
public sealed class KubernetesSource : IClusterSource
{
    private readonly ObjectCache<V1Service> services = new();
    private readonly ObjectCache<V1EndpointSlice> slices = new();
    private readonly ObjectCache<V1Node> nodes = new();
    private readonly Informer<V1Service> serviceInformer;
    private readonly Informer<V1EndpointSlice> sliceInformer;
    private readonly Informer<V1Node> nodeInformer;
    private Task? running;

    public KubernetesSource(string description, IListWatch<V1Service> serviceApi, IListWatch<V1EndpointSlice> sliceApi, IListWatch<V1Node> nodeApi,
        ChangeTracker tracker, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Description = description;
        var logger = loggerFactory.CreateLogger<KubernetesSource>();
        serviceInformer = new Informer<V1Service>(serviceApi, services, Backoff.Default(), time, logger);
        sliceInformer = new Informer<V1EndpointSlice>(sliceApi, slices, Backoff.Default(), time, logger);
        nodeInformer = new Informer<V1Node>(nodeApi, nodes, Backoff.Default(), time, logger);
        services.Changed += (s, _) => { tracker.ServiceChanged(s); Changed?.Invoke(); };
        slices.Changed += (s, removed) => { tracker.EndpointSliceChanged(s, removed); Changed?.Invoke(); };
        nodes.Changed += (_, _) => Changed?.Invoke();
    }

    public static KubernetesSource Create(IKubernetes client, string nodeName, ChangeTracker tracker, TimeProvider time, ILoggerFactory loggerFactory) =>
        new(client.BaseUri?.ToString() ?? "the API server", ListWatches.Services(client), ListWatches.EndpointSlices(client), ListWatches.Node(client, nodeName),
            tracker, time, loggerFactory);

    public string Description { get; }

    public event Action? Changed;

    /// <summary>The informers' loop, for whoever wants to observe it ending (it runs until cancelled).</summary>
    public Task Running => running ?? Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        running ??= Task.WhenAll(
            Task.Run(() => serviceInformer.RunAsync(cancellationToken), cancellationToken),
            Task.Run(() => sliceInformer.RunAsync(cancellationToken), cancellationToken),
            Task.Run(() => nodeInformer.RunAsync(cancellationToken), cancellationToken));
        // The daemon does not sync until every informer has listed once: a partial view would delete rules.
        await Task.WhenAll(serviceInformer.Synced, sliceInformer.Synced, nodeInformer.Synced).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public SourceSnapshot Read() => new(
        new ClusterObjects(services.Snapshot(), slices.Snapshot(), nodes.Snapshot()),
        [],
        serviceInformer.Synced.IsCompleted && sliceInformer.Synced.IsCompleted && nodeInformer.Synced.IsCompleted);
}
