using k8s;
using k8s.Models;

namespace Proxy.Kubernetes;

/// <summary>
/// <see cref="IListWatch{T}"/> over KubernetesClient's generated list and watch operations of one resource,
/// with upstream kube-proxy's selectors (see <see cref="ListWatches"/>).
/// </summary>
public sealed class KubernetesListWatch<T, TList>(
    string resource,
    Func<string?, int, CancellationToken, Task<TList>> list,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch) : IListWatch<T>
    where TList : IItems<T>, IMetadata<V1ListMeta>
{
    public string Resource { get; } = resource;

    public async Task<ListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken)
    {
        var page = await list(continueToken, limit, cancellationToken).ConfigureAwait(false);
        return new ListPage<T>(
            [.. page.Items ?? []],
            string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty,
            page.Metadata?.ResourceVersion ?? "");
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken) =>
        watch(resourceVersion, onError, cancellationToken);
}
