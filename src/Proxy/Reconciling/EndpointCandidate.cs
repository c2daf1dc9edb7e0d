using System.Collections.Immutable;
using System.Net;

namespace Proxy.Reconciling;

/// <summary>
/// One endpoint of one service port as its EndpointSlices describe it, before this node decides whether to use it:
/// its conditions (ready unset counts as ready, serving unset as ready, terminating unset as false, as upstream), whether it
/// runs on this node, and its topology hints.
/// </summary>
internal sealed record EndpointCandidate(
    IPAddress Address,
    int Port,
    bool Ready,
    bool Serving,
    bool Terminating,
    bool IsLocal,
    ImmutableHashSet<string> ZoneHints,
    ImmutableHashSet<string> NodeHints)
{
    /// <summary>A copy in another slice (a slice being replaced) can only make it more usable.</summary>
    public EndpointCandidate Merge(EndpointCandidate other) => this with
    {
        Ready = Ready || other.Ready,
        Serving = Serving || other.Serving,
        Terminating = Terminating && other.Terminating,
        IsLocal = IsLocal || other.IsLocal,
        ZoneHints = ZoneHints.Union(other.ZoneHints),
        NodeHints = NodeHints.Union(other.NodeHints),
    };
}
