using System.Collections.Immutable;

namespace Proxy.Backends.Nftables;

/// <summary>
/// The set and map elements one service port contributes, its hairpin elements (kept apart: several ports can share
/// one, so they are reference-counted), and its endpoint count (0 when it has none and is rejected instead).
/// Rendered once per distinct <see cref="Core.Model.ServicePort"/> and reused while it is unchanged.
/// </summary>
public sealed record PortElements(int EndpointCount, ImmutableArray<(string Set, NftElement Element)> Elements, ImmutableArray<NftElement> Hairpins);
