using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Proxy.Kubernetes;

/// <summary>
/// A resource the API server may not serve (networking.k8s.io/v1 ServiceCIDR is GA only since Kubernetes 1.33): while
/// the list answers 404 it counts as empty, and instead of watching, the resource is asked for again every
/// <paramref name="probeInterval"/>; once it is served, the informer is told to relist (as after "410 Gone"). So an
/// older cluster gets no error every few seconds, and an upgraded one is followed without a restart.
/// </summary>
public sealed class OptionalListWatch<T>(IListWatch<T> inner, TimeSpan probeInterval, TimeProvider time) : IListWatch<T>
{
    private volatile bool absent;

    public string Resource => inner.Resource;

    public async Task<ListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken)
    {
        try
        {
            var page = await inner.ListAsync(continueToken, limit, cancellationToken).ConfigureAwait(false);
            absent = false;
            return page;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            absent = true;
            return new ListPage<T>([], null, "");
        }
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken) =>
        absent ? ProbeAsync(onError, cancellationToken) : inner.WatchAsync(resourceVersion, onError, cancellationToken);

    /// <summary>Yields nothing: waits, asks whether the resource is served now, and if so makes the informer relist.</summary>
    private async IAsyncEnumerable<(WatchEventType Type, T Object)> ProbeAsync(Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(probeInterval, time, cancellationToken).ConfigureAwait(false);
        await ListAsync(null, 1, cancellationToken).ConfigureAwait(false);
        if (!absent)
        {
            onError(new KubernetesException(new V1Status { Code = (int)HttpStatusCode.Gone, Reason = "Expired", Message = $"{Resource} are served now" }));
        }
        yield break;
    }
}
