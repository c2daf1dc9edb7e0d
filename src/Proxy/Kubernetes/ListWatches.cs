using k8s;
using k8s.Models;

namespace Proxy.Kubernetes;

/// <summary>The resources the proxy reads, with upstream kube-proxy's selectors.</summary>
public static class ListWatches
{
    /// <summary>Services and EndpointSlices that another proxy owns, or that are headless, are never fetched.</summary>
    public const string ProxyLabelSelector = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless";

    /// <summary>Watches end after this long and are resumed, as client-go does, so a silently dead connection is noticed.</summary>
    private const int WatchTimeoutSeconds = 300;

    /// <summary>
    /// How long a watch may send nothing before the client gives up on it. The server ends every watch within
    /// <see cref="WatchTimeoutSeconds"/>, but only over a live connection: one that died without a FIN (a node's NAT
    /// entry expired, a load balancer failed over) stays silent forever unless the client itself stops waiting.
    /// </summary>
    public static TimeSpan WatchIdleTimeout { get; } = TimeSpan.FromSeconds(WatchTimeoutSeconds + 30);

    public static IListWatch<V1Service> Services(IKubernetes client) => new KubernetesListWatch<V1Service, V1ServiceList>(
        "services",
        (next, limit, ct) => client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: next, labelSelector: ProxyLabelSelector, limit: limit, cancellationToken: ct),
        (version, onError, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(
            allowWatchBookmarks: true, labelSelector: ProxyLabelSelector, resourceVersion: version, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static IListWatch<V1EndpointSlice> EndpointSlices(IKubernetes client) => new KubernetesListWatch<V1EndpointSlice, V1EndpointSliceList>(
        "endpointslices",
        (next, limit, ct) => client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(continueParameter: next, labelSelector: ProxyLabelSelector, limit: limit, cancellationToken: ct),
        (version, onError, ct) => client.DiscoveryV1.WatchListEndpointSliceForAllNamespacesAsync(
            allowWatchBookmarks: true, labelSelector: ProxyLabelSelector, resourceVersion: version, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    /// <summary>Only this node's own Node object, for its labels.</summary>
    public static IListWatch<V1Node> Node(IKubernetes client, string nodeName)
    {
        var selector = $"metadata.name={nodeName}";
        return new KubernetesListWatch<V1Node, V1NodeList>(
            "nodes",
            (next, limit, ct) => client.CoreV1.ListNodeAsync(continueParameter: next, fieldSelector: selector, limit: limit, cancellationToken: ct),
            (version, onError, ct) => client.CoreV1.WatchListNodeAsync(
                allowWatchBookmarks: true, fieldSelector: selector, resourceVersion: version, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));
    }

    /// <summary>
    /// networking.k8s.io/v1 ServiceCIDRs (cluster-scoped), for nftables mode's guard rails. Optional: an API server that
    /// does not serve them (before 1.33) is asked again every <paramref name="probeInterval"/> (default: a watch's length).
    /// </summary>
    public static IListWatch<V1ServiceCIDR> ServiceCIDRs(IKubernetes client, TimeProvider? time = null, TimeSpan? probeInterval = null) =>
        new OptionalListWatch<V1ServiceCIDR>(
            new KubernetesListWatch<V1ServiceCIDR, V1ServiceCIDRList>(
                "servicecidrs",
                (next, limit, ct) => client.NetworkingV1.ListServiceCIDRAsync(continueParameter: next, limit: limit, cancellationToken: ct),
                (version, onError, ct) => client.NetworkingV1.WatchListServiceCIDRAsync(
                    allowWatchBookmarks: true, resourceVersion: version, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct)),
            probeInterval ?? TimeSpan.FromSeconds(WatchTimeoutSeconds),
            time ?? TimeProvider.System);
}
