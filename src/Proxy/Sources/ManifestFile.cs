using System.Collections.Immutable;
using k8s.Models;

namespace Proxy.Sources;

/// <summary>The objects one manifest file holds, or why it could not be read (with file and line).</summary>
public sealed record ManifestFile(
    string Path,
    ImmutableArray<V1Service> Services,
    ImmutableArray<V1EndpointSlice> EndpointSlices,
    ImmutableArray<V1Node> Nodes,
    string? Error)
{
    public static ManifestFile Failed(string path, string error) => new(path, [], [], [], error);

    public ImmutableArray<V1ServiceCIDR> ServiceCIDRs { get; init; } = [];
}
