namespace Proxy.Core.Model;

/// <summary>
/// The two endpoint sets of a service port, as upstream's CategorizeEndpoints makes them: <see cref="Cluster"/>
/// (ready endpoints anywhere, topology-filtered; else serving-and-terminating ones) and <see cref="Local"/> (this
/// node's ready endpoints; else its serving-and-terminating ones; never topology-filtered).
/// </summary>
public enum EndpointSetKind
{
    Cluster,
    Local,
}
