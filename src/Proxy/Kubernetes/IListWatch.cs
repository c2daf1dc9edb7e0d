using k8s;

namespace Proxy.Kubernetes;

/// <summary>The two API calls an <see cref="Informer{T}"/> makes for one resource, with its selectors applied.</summary>
public interface IListWatch<T>
{
    /// <summary>The resource's name for logs, e.g. "services".</summary>
    string Resource { get; }

    Task<ListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks. Events that cannot be decoded and ERROR
    /// events go to <paramref name="onError"/> (a <see cref="KubernetesException"/> carries the Status); the stream
    /// ends when the server closes it.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken);
}
