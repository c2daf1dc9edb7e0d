using System.Collections.Immutable;

namespace Proxy.Kubernetes;

/// <summary>One page of a list call: its items, the token for the next page (null on the last), and the list's resourceVersion.</summary>
public sealed record ListPage<T>(ImmutableArray<T> Items, string? Continue, string ResourceVersion);
