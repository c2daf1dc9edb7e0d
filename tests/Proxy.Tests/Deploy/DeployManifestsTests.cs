using k8s;
using k8s.Models;
using Proxy.Cli;

namespace Proxy.Tests.Deploy;

/// <summary>deploy/ must be something an operator can apply as is: real Kubernetes objects, least-privilege RBAC, valid flags.</summary>
public sealed class DeployManifestsTests : IDisposable
{
    private static readonly string Root = RepositoryPaths.Root;
    private readonly string dir = Directory.CreateTempSubdirectory("kps-deploy-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static List<object> Load(string relative) => [.. KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Root, relative)))];

    [Fact]
    public void EveryKubernetesYamlFileParsesAsObjectsOfTheExpectedKinds()
    {
        Assert.Equal(
            [typeof(V1ServiceAccount), typeof(V1ClusterRole), typeof(V1ClusterRoleBinding), typeof(V1ConfigMap), typeof(V1DaemonSet)],
            Load("deploy/kube-proxy-sharp.yaml").Select(o => o.GetType()));
        foreach (var example in Directory.GetFiles(Path.Combine(Root, "deploy", "examples"), "*.yaml"))
        {
            Assert.All(Load(example), o => Assert.True(o is V1Service or V1EndpointSlice, $"{example}: unexpected {o.GetType().Name}"));
        }
    }

    [Fact]
    public void TheClusterRoleGrantsExactlyWhatTheProxyUses()
    {
        var role = Load("deploy/kube-proxy-sharp.yaml").OfType<V1ClusterRole>().Single();
        var grants = role.Rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => $"{g}/{res}:{v}"))))
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            new[]
            {
                "/events:create", "/events:patch", "/nodes:list", "/nodes:watch", "/services:list", "/services:watch",
                "discovery.k8s.io/endpointslices:list", "discovery.k8s.io/endpointslices:watch", "events.k8s.io/events:create", "events.k8s.io/events:patch",
                "networking.k8s.io/servicecidrs:list", "networking.k8s.io/servicecidrs:watch",
            },
            grants);
        Assert.All(role.Rules, r => Assert.Null(r.ResourceNames));
        var binding = Load("deploy/kube-proxy-sharp.yaml").OfType<V1ClusterRoleBinding>().Single();
        Assert.Equal(("ClusterRole", "kube-proxy-sharp"), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", "kube-proxy-sharp", "kube-system"), (binding.Subjects[0].Kind, binding.Subjects[0].Name, binding.Subjects[0].NamespaceProperty));
    }

    [Fact]
    public void TheDaemonSetRunsOnEveryNodeWithHostNetworkingAndUsesOnlyFlagsTheDaemonAccepts()
    {
        var objects = Load("deploy/kube-proxy-sharp.yaml");
        var daemonSet = objects.OfType<V1DaemonSet>().Single();
        var pod = daemonSet.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.True(pod.HostNetwork);
        Assert.Equal("system-node-critical", pod.PriorityClassName);
        Assert.Contains(pod.Tolerations, t => t.OperatorProperty == "Exists" && t.Key is null);
        Assert.Equal("kube-proxy-sharp", pod.ServiceAccountName);
        Assert.True(container.SecurityContext.Privileged);
        Assert.Equal(("/livez", "10256"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/healthz", "10256"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal("true", daemonSet.Spec.Template.Metadata.Annotations["prometheus.io/scrape"]);
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/run/xtables.lock");
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/lib/modules" && m.ReadOnlyProperty == true);
        Assert.Equal("spec.nodeName", container.Env.Single(e => e.Name == "NODE_NAME").ValueFrom.FieldRef.FieldPath);

        // The args, with the mounted ConfigMap at the path they name, parsed by the daemon's own parser.
        var configMap = objects.OfType<V1ConfigMap>().Single();
        var mounted = Path.Combine(dir, "config.yaml");
        File.WriteAllText(mounted, configMap.Data["config.yaml"]);
        var mountPath = container.VolumeMounts.Single(m => m.Name == "config").MountPath;
        var args = container.Args.Select(a => a.Replace(mountPath + "/config.yaml", mounted, StringComparison.Ordinal)).ToList();
        var (options, error) = Flags.Parse(args);
        Assert.Null(error);
        // Lowercased as upstream does (kubelet has put the node's name in place of $(NODE_NAME) by then).
        Assert.Equal("$(node_name)", options!.HostnameOverride);
        Assert.Equal("iptables", options.ProxyMode);
    }

    [Fact]
    public void TheConfigMapCarriesTheExampleConfigurationVerbatim()
    {
        var configMap = Load("deploy/kube-proxy-sharp.yaml").OfType<V1ConfigMap>().Single();

        Assert.Equal(File.ReadAllText(Path.Combine(Root, "deploy", "kube-proxy-config.yaml")), configMap.Data["config.yaml"]);
    }

    [Fact]
    public void TheRuntimeImageHasTheKernelTools()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "Dockerfile"));
        var runtime = dockerfile[dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..];

        Assert.Equal(2, dockerfile.Split('\n').Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        foreach (var package in new[] { "iptables", "nftables", "ipset", "conntrack", "iproute2" })
        {
            Assert.Contains($" {package}", runtime);
        }
    }
}
