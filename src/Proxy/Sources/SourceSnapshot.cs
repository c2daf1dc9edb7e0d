using System.Collections.Immutable;
using Proxy.Reconciling;

namespace Proxy.Sources;

/// <summary>
/// What a source holds now. <see cref="Complete"/> is false while part of it is unknown (a broken manifest with
/// no earlier good version, an informer that has not listed yet): syncing then would remove rules of objects
/// that still exist.
/// </summary>
public sealed record SourceSnapshot(ClusterObjects Objects, ImmutableArray<string> Errors, bool Complete);
