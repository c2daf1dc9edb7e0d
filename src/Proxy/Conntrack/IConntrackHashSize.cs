namespace Proxy.Conntrack;

/// <summary>
/// The size of conntrack's hash table (buckets): the nf_conntrack module parameter hashsize, which is global to the
/// host whatever network namespace reads it.
/// </summary>
public interface IConntrackHashSize
{
    /// <summary>The current size, or null when it cannot be read (nf_conntrack not loaded, or the file not readable): never throws.</summary>
    int? Get();

    void Set(int buckets);
}
