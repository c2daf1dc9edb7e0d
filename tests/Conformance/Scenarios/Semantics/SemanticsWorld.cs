using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// One node with every kind of service the semantics table probes, synced once per mode (a proxy start is cheap here
/// but costs a minute of JIT in the emulated IPVS VM). This node is node-1 in zone z1. Pods: web1, web2, term1 on
/// node-1; rem1, rem2, term2 "on node-2" (their slices say so; they hang off this node namespace like the others);
/// client and client2 are pods on node-1. The external client has 192.0.2.2 and 192.0.2.3–10.
/// </summary>
public sealed class SemanticsWorld : IAsyncDisposable
{
    public const string Web1 = "10.244.1.11";
    public const string Web2 = "10.244.1.12";
    public const string Term1 = "10.244.1.13";
    public const string Rem1 = "10.244.2.11";
    public const string Rem2 = "10.244.2.12";
    public const string Term2 = "10.244.2.13";
    public const string ClientPod = "10.244.1.20";
    public const string SecondNodeAddress = "192.0.2.100";

    /// <summary>The external client's extra source addresses (192.0.2.3 is also the one loadBalancerSourceRanges admits).</summary>
    public static readonly string[] ClientSources = [.. Enumerable.Range(3, 8).Select(i => $"192.0.2.{i}")];

    private readonly Manifests manifests;

    private SemanticsWorld(Topology topology, Manifests manifests)
    {
        Topology = topology;
        this.manifests = manifests;
    }

    public Topology Topology { get; }

    public string ManifestsDirectory => manifests.Directory;

    public static async Task<SemanticsWorld> CreateAsync(string mode)
    {
        var topology = await Topology.CreateAsync();
        var manifests = new Manifests();
        var world = new SemanticsWorld(topology, manifests);
        try
        {
            foreach (var (pod, ip) in new[] { ("web1", Web1), ("web2", Web2), ("term1", Term1), ("rem1", Rem1), ("rem2", Rem2), ("term2", Term2) })
            {
                await topology.AddPodAsync(pod, ip);
                await topology.StartServerAsync(pod, 8080);
            }
            await topology.AddPodAsync("client", ClientPod);
            foreach (var source in ClientSources)
            {
                await topology.AddClientAddressAsync(source);
            }
            await topology.AddNodeAddressAsync(SecondNodeAddress);
            manifests.Write("world.yaml", SemanticsManifests.All);
            await Sync.OnceAsync(topology, manifests.Directory, mode);
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
        return world;
    }

    public async ValueTask DisposeAsync()
    {
        await Topology.DisposeAsync();
        manifests.Dispose();
    }
}
