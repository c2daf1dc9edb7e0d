using System.Collections.Immutable;

namespace Proxy.Reconciling;

/// <summary>What the reconciler needs to know about the node it runs on.</summary>
public sealed record NodeContext(string NodeName, ImmutableDictionary<string, string> Labels)
{
    public static NodeContext Named(string nodeName) => new(nodeName, ImmutableDictionary<string, string>.Empty);
}
