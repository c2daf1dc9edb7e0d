namespace Proxy.Reconciling;

/// <summary>Well-known label and field values of the Kubernetes API that decide what the proxy programs.</summary>
public static class KubernetesNames
{
    /// <summary>Links an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>A Service with this label is handled by another proxy; upstream kube-proxy ignores it.</summary>
    public const string ServiceProxyNameLabel = "service.kubernetes.io/service-proxy-name";

    /// <summary>Set by the endpoints controller on headless Services' slices; upstream ignores such Services.</summary>
    public const string HeadlessLabel = "service.kubernetes.io/headless";

    public const string ClusterIPNone = "None";

    public const string TypeExternalName = "ExternalName";

    public const string TypeClusterIP = "ClusterIP";

    public const string TypeNodePort = "NodePort";

    public const string TypeLoadBalancer = "LoadBalancer";

    public const string AddressTypeIPv4 = "IPv4";

    public const string AddressTypeIPv6 = "IPv6";
}
