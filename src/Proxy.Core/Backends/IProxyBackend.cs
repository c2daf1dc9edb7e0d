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

    /// <summary>The model's features this backend renders; a service port using any other is warned about, once.</summary>
    ServiceFeatures Renders { get; }

    Task<SyncResult> SyncAsync(IReadOnlyList<ProxyState> desired, bool full, CancellationToken cancellationToken);

    /// <summary>Removes everything this backend owns in the kernel, and nothing else.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);
}
