using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// Everything a backend needs to program one service port of one IP family on this node.
/// <see cref="NodePort"/> is 0 when the service has none. <see cref="Endpoints"/> are already the ones
/// this node must use, ordered; empty means connections must be rejected.
/// </summary>
public sealed record ServicePort(
    ServicePortName Name,
    IPAddress ClusterIP,
    int Port,
    int NodePort,
    EquatableArray<Endpoint> Endpoints)
{
    public L4Protocol Protocol => Name.Protocol;

    public bool HasEndpoints => Endpoints.Count > 0;
}
