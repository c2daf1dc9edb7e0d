using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// What the reconciler needs to know about the node it runs on. Compares by value, labels included: the daemon
/// builds a new one at every sync, and the incremental reconciler keeps its cache only while this stays equal.
/// </summary>
public sealed record NodeContext(string NodeName, EquatableDictionary<string, string> Labels)
{
    public static NodeContext Named(string nodeName) => new(nodeName, EquatableDictionary<string, string>.Empty);
}
