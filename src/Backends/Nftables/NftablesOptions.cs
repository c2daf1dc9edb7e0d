using System.Globalization;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>Settings of nftables mode that are not part of the model.</summary>
public sealed record NftablesOptions
{
    /// <summary>nftables.masqueradeBit: the fwmark bit that marks packets for SNAT (14 → 0x4000, as upstream).</summary>
    public int MasqueradeBit { get; init; } = 14;

    /// <summary>
    /// Above this many endpoints in a family, endpoint elements carry no <c>ns/name:port</c> comment (dispatch elements
    /// always do): upstream's large-cluster threshold, which drops endpoint comments in iptables mode for the same
    /// reason, the size of a full sync (see the README's figures).
    /// </summary>
    public int LargeClusterEndpoints { get; init; } = 1000;

    public string MasqueradeMark => "0x" + (1u << MasqueradeBit).ToString("x", CultureInfo.InvariantCulture);

    public bool EndpointComments(ProxyState state) => !state.ReachesMoreEndpointsThan(LargeClusterEndpoints);
}
