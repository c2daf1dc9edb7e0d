using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// The cluster several scenarios start from: service web (10.96.0.10:80 → pods web1..3 at 10.244.1.2-4:8080),
/// service other (10.96.0.11:80 → pod other at 10.244.1.9:8080), and a client pod at 10.244.1.20.
/// </summary>
internal static class WebAndOther
{
    public static async Task SetUpAsync(Topology topology, Manifests manifests)
    {
        foreach (var (pod, host) in new[] { ("web1", 2), ("web2", 3), ("web3", 4), ("other", 9) })
        {
            await topology.AddPodAsync(pod, $"10.244.1.{host}");
            await topology.StartServerAsync(pod, 8080);
        }
        await topology.AddPodAsync("client", "10.244.1.20");
        manifests.Write("web.yaml", Manifests.Service("web", "10.96.0.10", 80, 8080, ["10.244.1.2", "10.244.1.3", "10.244.1.4"]));
        manifests.Write("other.yaml", Manifests.Service("other", "10.96.0.11", 80, 8080, ["10.244.1.9"]));
    }
}
