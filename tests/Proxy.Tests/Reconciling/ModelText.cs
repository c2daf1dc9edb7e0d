using Proxy.Core.Model;

namespace Proxy.Tests.Reconciling;

/// <summary>
/// One line per service port, so reconciler tables read as what the model says:
/// <c>ns/name:port TCP 10.96.0.10:80 np=30080 eips=[..] lbs=[..] ranges=[..] cluster=[ep, ep(local)] local=[..]
/// int=Cluster/OffCluster/Reject ext=Local/None/Drop+pods+node aff=10800 hc=31000</c>; empty parts are left out.
/// </summary>
internal static class ModelText
{
    public static string Describe(ServicePort p)
    {
        var parts = new List<string> { $"{p.Name} {p.Protocol.ToKubernetes()} {new System.Net.IPEndPoint(p.ClusterIP, p.Port)}" };
        if (p.NodePort != 0)
        {
            parts.Add($"np={p.NodePort}");
        }
        AddList(parts, "eips", p.ExternalIPs);
        AddList(parts, "lbs", p.LoadBalancerIPs);
        AddList(parts, "ranges", p.LoadBalancerSourceRanges);
        parts.Add($"cluster=[{Endpoints(p.ClusterEndpoints)}]");
        parts.Add($"local=[{Endpoints(p.LocalEndpoints)}]");
        parts.Add($"int={Route(p.Internal)}");
        parts.Add($"ext={Route(p.External)}");
        if (p.Affinity is { } affinity)
        {
            parts.Add($"aff={affinity.TimeoutSeconds}");
        }
        if (p.HealthCheckNodePort != 0)
        {
            parts.Add($"hc={p.HealthCheckNodePort}");
        }
        return string.Join(' ', parts);
    }

    public static string[] Describe(ProxyState state) => [.. state.Services.Select(Describe)];

    public static string Route(TrafficRoute r) =>
        $"{r.Endpoints}/{r.Masquerade}/{r.WhenEmpty}{(r.PodsUseClusterSet ? "+pods" : "")}{(r.NodeUsesClusterSet ? "+node" : "")}";

    private static string Endpoints(IEnumerable<Endpoint> endpoints) => string.Join(",", endpoints.Select(e => e + (e.IsLocal ? "(local)" : "")));

    private static void AddList<T>(List<string> parts, string name, IReadOnlyCollection<T> items)
    {
        if (items.Count > 0)
        {
            parts.Add($"{name}=[{string.Join(",", items)}]");
        }
    }
}
