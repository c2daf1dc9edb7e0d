using System.Collections.Immutable;
using k8s.Models;

namespace Proxy.Sources;

/// <summary>
/// The objects one manifest file holds, and what could not be read of it, each problem with file and line. A file
/// that could not be read at all (<see cref="Whole"/> false) says nothing about the objects it held; one whose
/// broken documents were skipped gives every object of the others.
/// </summary>
public sealed record ManifestFile(
    string Path,
    ImmutableArray<V1Service> Services,
    ImmutableArray<V1EndpointSlice> EndpointSlices,
    ImmutableArray<V1Node> Nodes,
    ImmutableArray<string> Errors)
{
    /// <summary>False when nothing of the file could be read (an I/O error, not a regular file, too large).</summary>
    public bool Whole { get; init; } = true;

    /// <summary>The line each object starts on, by object instance, for warnings that point at one.</summary>
    public ImmutableDictionary<object, long> Lines { get; init; } = ImmutableDictionary.Create<object, long>(ReferenceEqualityComparer.Instance);

    public static ManifestFile Failed(string path, string error) => new(path, [], [], [], [error]) { Whole = false };

    /// <summary>Where <paramref name="item"/> is: <c>path:line</c>.</summary>
    public string Where(object item) => Lines.TryGetValue(item, out var line) ? $"{Path}:{line}" : Path;
}
