using k8s;

namespace Proxy.Kubernetes;

/// <summary>
/// Finds the API server as upstream does: --kubeconfig (with --master overriding its server), or --master
/// alone, or the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and its token) in a pod.
/// </summary>
public static class KubernetesConnection
{
    /// <summary>The client configuration, or null when nothing points at a cluster.</summary>
    public static KubernetesClientConfiguration? Configure(string? kubeconfig, string? master)
    {
        if (kubeconfig is { Length: > 0 })
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, masterUrl: master is { Length: > 0 } ? master : null);
        }
        if (master is { Length: > 0 })
        {
            return new KubernetesClientConfiguration { Host = master };
        }
        return KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig() : null;
    }
}
