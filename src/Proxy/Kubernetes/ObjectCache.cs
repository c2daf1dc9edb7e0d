using System.Collections.Immutable;
using k8s;
using k8s.Models;

namespace Proxy.Kubernetes;

/// <summary>
/// The latest version of every object of one resource, by namespace/name. Thread-safe; every change that
/// alters the content calls <see cref="Changed"/> with the object (the new version, or the removed one) so trackers can note it.
/// </summary>
public sealed class ObjectCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock gate = new();
    private ImmutableDictionary<string, T> objects = ImmutableDictionary<string, T>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Raised after an object was added or changed (with it, and false) or removed (with its last version, and true).</summary>
    public event Action<T, bool>? Changed;

    public ImmutableArray<T> Snapshot() => [.. objects.Values];

    public int Count => objects.Count;

    public static string KeyOf(T item) => $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

    public void Upsert(T item)
    {
        lock (gate)
        {
            var key = KeyOf(item);
            if (objects.TryGetValue(key, out var old) && SameVersion(old, item))
            {
                return;
            }
            objects = objects.SetItem(key, item);
        }
        Changed?.Invoke(item, false);
    }

    public void Delete(T item)
    {
        bool removed;
        lock (gate)
        {
            var before = objects;
            objects = objects.Remove(KeyOf(item));
            removed = before.Count != objects.Count;
        }
        if (removed)
        {
            Changed?.Invoke(item, true);
        }
    }

    /// <summary>After a (re)list: the list is the truth, including deletions missed while disconnected.</summary>
    public void Replace(IEnumerable<T> items)
    {
        var next = items.ToImmutableDictionary(KeyOf, i => i, StringComparer.Ordinal);
        ImmutableDictionary<string, T> before;
        lock (gate)
        {
            before = objects;
            objects = next;
        }
        foreach (var (key, item) in next)
        {
            if (!before.TryGetValue(key, out var old) || !SameVersion(old, item))
            {
                Changed?.Invoke(item, false);
            }
        }
        foreach (var (key, old) in before)
        {
            if (!next.ContainsKey(key))
            {
                Changed?.Invoke(old, true);
            }
        }
    }

    /// <summary>The API server bumps resourceVersion on every change: equal versions mean equal objects.</summary>
    private static bool SameVersion(T a, T b) =>
        a.Metadata?.ResourceVersion is { Length: > 0 } va && va == b.Metadata?.ResourceVersion;
}
