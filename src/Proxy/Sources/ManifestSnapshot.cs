using System.Collections.Immutable;
using Proxy.Reconciling;

namespace Proxy.Sources;

/// <summary>
/// What the manifest directory holds now. <see cref="Complete"/> is false while some file is broken and
/// there is no earlier good version of it to stand in: syncing then would remove that file's services.
/// </summary>
public sealed record ManifestSnapshot(ClusterObjects Objects, ImmutableArray<string> Errors, bool Complete);
