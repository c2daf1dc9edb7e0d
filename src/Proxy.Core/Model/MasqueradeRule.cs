namespace Proxy.Core.Model;

/// <summary>Which of a traffic kind's packets are source-NATed to the node on their way to an endpoint.</summary>
public enum MasqueradeRule
{
    /// <summary>None (external traffic of a Local policy keeps the client's address; no local-traffic detector).</summary>
    None,

    /// <summary>Those the node's <see cref="LocalTrafficDetector"/> does not recognise as coming from this node's pods.</summary>
    OffCluster,

    /// <summary>All of them (--masquerade-all; external traffic of a Cluster policy, which may cross nodes).</summary>
    All,
}
