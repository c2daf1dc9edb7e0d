using Proxy.Core.Backends;
using Proxy.Core.Host;
using Proxy.Core.Model;

namespace Proxy.Host;

/// <summary>
/// The node-level settings a start applies before any sync, in the order they are applied: what --init-only does and
/// stops at (upstream's initOnly return in its proxiers' constructors). Today the mode's own kernel parameters
/// (<see cref="IProxyBackend.NodeSettings"/>); the conntrack settings, node-wide and the same in every mode, join this
/// list ahead of them when they are implemented, as upstream's platformSetup runs before the proxier is made.
/// </summary>
public static class NodeSetup
{
    /// <param name="states">The model the mode would program with no Service yet: what decides, say, localhost node ports.</param>
    public static IReadOnlyList<KernelSetting> For(IProxyBackend backend, IReadOnlyList<ProxyState> states) => backend.NodeSettings(states);

    /// <returns>The settings written (the others had their value already).</returns>
    /// <exception cref="ProxySyncException">A setting cannot be applied.</exception>
    public static IReadOnlyList<KernelSetting> Apply(ISysctl sysctl, IReadOnlyList<KernelSetting> settings) => KernelSettings.Ensure(sysctl, settings);
}
