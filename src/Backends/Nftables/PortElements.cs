using System.Collections.Immutable;

namespace Proxy.Backends.Nftables;

/// <summary>
/// What one service port contributes to its family's table, rendered once per distinct
/// <see cref="Core.Model.ServicePort"/> and reused while it is unchanged:
/// its own set and map elements; elements it may share with other ports (a cluster IP with several ports, an endpoint
/// address behind several services), reference-counted; the shared groups it uses (route chains and endpoint maps of
/// its endpoint counts), reference-counted; and objects only it has (session affinity's chains and sets).
/// </summary>
public sealed record PortElements(
    ImmutableArray<(string Set, NftElement Element)> Elements,
    ImmutableArray<(string Set, NftElement Element)> SharedElements,
    ImmutableArray<NftGroup> Groups,
    ImmutableArray<NftObject> Objects);
