using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Proxy.Reconciling;
using Proxy.Sources;

namespace Proxy.Kubernetes;

/// <summary>
/// The live source: informers for Services, EndpointSlices, this node's Node and ServiceCIDRs, each feeding its cache.
/// Complete only once every informer has listed; after that the caches keep their last content through any
/// API outage, so the rules built from them stay as they are. Each informer runs supervised: one that ends before
/// the source is stopped (a fault its own retry loop did not catch) is logged as critical and restarted, so the
/// node never silently stops following the cluster. ServiceCIDRs do not hold the first sync back: they only add guard
/// rails, and older API servers do not serve them.
/// </summary>
public sealed partial class KubernetesSource : IClusterSource
{
    private readonly ObjectCache<V1Service> services = new();
    private readonly ObjectCache<V1EndpointSlice> slices = new();
    private readonly ObjectCache<V1Node> nodes = new();
    private readonly ObjectCache<V1ServiceCIDR> serviceCidrs = new();
    private readonly Informer<V1Service> serviceInformer;
    private readonly Informer<V1EndpointSlice> sliceInformer;
    private readonly Informer<V1Node> nodeInformer;
    private readonly Informer<V1ServiceCIDR>? serviceCidrInformer;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private Task? running;

    public KubernetesSource(string description, IListWatch<V1Service> serviceApi, IListWatch<V1EndpointSlice> sliceApi, IListWatch<V1Node> nodeApi,
        ChangeTracker tracker, TimeProvider time, ILoggerFactory loggerFactory, IListWatch<V1ServiceCIDR>? serviceCidrApi = null)
    {
        Description = description;
        this.time = time;
        logger = loggerFactory.CreateLogger<KubernetesSource>();
        serviceInformer = new Informer<V1Service>(serviceApi, services, Backoff.Default(), time, logger, ListWatches.WatchIdleTimeout);
        sliceInformer = new Informer<V1EndpointSlice>(sliceApi, slices, Backoff.Default(), time, logger, ListWatches.WatchIdleTimeout);
        nodeInformer = new Informer<V1Node>(nodeApi, nodes, Backoff.Default(), time, logger, ListWatches.WatchIdleTimeout);
        services.Changed += (s, _) => { tracker.ServiceChanged(s); Changed?.Invoke(); };
        slices.Changed += (s, removed) => { tracker.EndpointSliceChanged(s, removed); Changed?.Invoke(); };
        nodes.Changed += (_, _) => Changed?.Invoke();
        if (serviceCidrApi is not null)
        {
            serviceCidrInformer = new Informer<V1ServiceCIDR>(serviceCidrApi, serviceCidrs, Backoff.Default(), time, logger, ListWatches.WatchIdleTimeout);
            serviceCidrs.Changed += (_, _) => Changed?.Invoke();
        }
    }

    public static KubernetesSource Create(IKubernetes client, string nodeName, ChangeTracker tracker, TimeProvider time, ILoggerFactory loggerFactory) =>
        new(client.BaseUri?.ToString() ?? "the API server", ListWatches.Services(client), ListWatches.EndpointSlices(client), ListWatches.Node(client, nodeName),
            tracker, time, loggerFactory, ListWatches.ServiceCIDRs(client));

    public string Description { get; }

    public event Action? Changed;

    /// <summary>The supervised informers: completes only once the token given to <see cref="StartAsync"/> is cancelled.</summary>
    public Task Running => running ?? Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        running ??= Task.WhenAll(
            SuperviseAsync("services", serviceInformer.RunAsync, cancellationToken),
            SuperviseAsync("endpointslices", sliceInformer.RunAsync, cancellationToken),
            SuperviseAsync("nodes", nodeInformer.RunAsync, cancellationToken),
            serviceCidrInformer is null ? Task.CompletedTask : SuperviseAsync("servicecidrs", serviceCidrInformer.RunAsync, cancellationToken));
        // The daemon does not sync until every informer has listed once: a partial view would delete rules.
        await Task.WhenAll(serviceInformer.Synced, sliceInformer.Synced, nodeInformer.Synced).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public SourceSnapshot Read() => new(
        new ClusterObjects(services.Snapshot(), slices.Snapshot(), nodes.Snapshot()) { ServiceCIDRs = serviceCidrs.Snapshot() },
        [],
        serviceInformer.Synced.IsCompleted && sliceInformer.Synced.IsCompleted && nodeInformer.Synced.IsCompleted);

    /// <summary>
    /// Runs one informer until <paramref name="cancellationToken"/> is cancelled, restarting it (after a backoff) if it
    /// ends or faults before that. The informer keeps its resourceVersion, so a restart resumes rather than relists.
    /// Nothing escapes: a task nobody awaits must not be the only place a fault is recorded.
    /// </summary>
    private async Task SuperviseAsync(string resource, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        var restarts = Backoff.Default();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Run(() => run(cancellationToken), cancellationToken).ConfigureAwait(false);
                if (!cancellationToken.IsCancellationRequested)
                {
                    LogInformerEnded(logger, resource, null);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogInformerEnded(logger, resource, e);
            }
            try
            {
                await Task.Delay(restarts.Next(), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Critical, Message = "The {Resource} informer stopped unexpectedly; restarting it (until it runs again, changes to {Resource} are not seen)")]
    private static partial void LogInformerEnded(ILogger logger, string resource, Exception? exception);
}
