using System.Collections.Immutable;
using Proxy.Reconciling;

namespace Proxy.Sources;

/// <summary>
/// What a source holds now. <see cref="Complete"/> is false while part of it is unknown (a manifests directory that
/// cannot be listed, an informer that has not listed yet): syncing then would remove rules of objects that still exist.
/// <see cref="Errors"/> are what could not be read; <see cref="Warnings"/> what was read but not used as written (an
/// object defined twice).
/// </summary>
public sealed record SourceSnapshot(ClusterObjects Objects, ImmutableArray<string> Errors, bool Complete)
{
    public ImmutableArray<string> Warnings { get; init; } = [];
}
