using Proxy.Core.Model;

namespace Proxy.Observability;

/// <summary>
/// kubeproxy_sync_proxy_rules_no_local_endpoints_total, counted from the model as upstream's proxiers count
/// serviceNoLocalEndpointsTotalInternal and ...External: the service ports whose traffic of that kind uses the Local
/// set, finds it empty, and is dropped because the service has endpoints elsewhere (a service with none at all is
/// rejected, and not counted). External traffic counts only for ports reachable from outside.
/// </summary>
public static class NoLocalEndpoints
{
    public static (int Internal, int External) Count(ProxyState state) =>
        (state.Services.Count(p => DropsForWantOfLocal(p, p.Internal)),
         state.Services.Count(p => p.IsExternallyAccessible && DropsForWantOfLocal(p, p.External)));

    private static bool DropsForWantOfLocal(ServicePort port, TrafficRoute route) =>
        route.Endpoints == EndpointSetKind.Local && port.LocalEndpoints.Count == 0 && route.WhenEmpty == EmptyVerdict.Drop;
}
