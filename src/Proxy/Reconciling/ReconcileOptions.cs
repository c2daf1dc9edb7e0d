using System.Collections.Immutable;
using System.Net;

namespace Proxy.Reconciling;

/// <summary>
/// Node-wide settings that shape the model: --masquerade-all and --cluster-cidr (one CIDR per family at most,
/// comma-separated on the command line as upstream).
/// </summary>
public sealed record ReconcileOptions(bool MasqueradeAll, ImmutableArray<IPNetwork> ClusterCidrs)
{
    public static ReconcileOptions Default { get; } = new(false, []);
}
