using Proxy.Core.Host;
using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// Turns desired <see cref="ProxyState"/>s into kernel state. A sync either applies fully or leaves the previous
/// rules in place and throws <see cref="ProxySyncException"/>. The backend remembers what it last applied and
/// decides itself between a partial and a full sync; <c>full</c> forces a full one.
/// </summary>
public interface IProxyBackend
{
    /// <summary>The --proxy-mode name of this backend.</summary>
    string Mode { get; }

    /// <summary>The metrics of this mode, which upstream registers only in it.</summary>
    IReadOnlySet<BackendMetric> Metrics { get; }

    /// <summary>The model's features this backend renders; a service port using any other is warned about, once.</summary>
    ServiceFeatures Renders { get; }

    Task<SyncResult> SyncAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the kernel has lost what this backend applied (someone flushed or deleted our rules, table or virtual
    /// servers): asked before each periodic sync, which is full when the answer is yes (and that full sync repairs, and
    /// counts the repair). A cheap question, a few small reads, never a read-back of everything we own: the periodic
    /// syncs are partial so that a quiet node does not pay a full sync every sync period. False when nothing is applied
    /// (the next sync is full anyway) and when the kernel is busy (the xtables lock held): the next periodic sync asks
    /// again. True when the kernel cannot be read at all, so that the full sync reports why. Never throws but for
    /// cancellation; drift it does not look for waits for the hourly full sync.
    /// </summary>
    Task<bool> DriftedAsync(CancellationToken cancellationToken);

    /// <summary>The counters a failed sync moves, in the family it names (or in every family it was syncing).</summary>
    IReadOnlyList<BackendMetric> FailureCounters(ProxySyncException failure);

    /// <summary>
    /// The kernel parameters this mode needs on the node for <paramref name="desired"/>: what a sync ensures first, and
    /// what --init-only applies and stops at.
    /// </summary>
    IReadOnlyList<KernelSetting> NodeSettings(IReadOnlyList<ProxyState> desired);

    /// <summary>Removes everything this backend owns in the kernel, and nothing else.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);
}
