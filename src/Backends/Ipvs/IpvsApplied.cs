using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// What the IPVS backend programmed in one family: the model, the virtual servers it owns (with their real servers),
/// the ipset contents and the node ports it serves. Partial syncs plan against this instead of dumping the kernel.
/// </summary>
public sealed record IpvsApplied(
    ProxyState State,
    IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> Table,
    IpsetContents Sets,
    IReadOnlySet<(L4Protocol Protocol, int Port)> NodePorts);
