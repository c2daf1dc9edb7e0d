using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>Runs the proxy once over a manifests directory, as an operator would, and checks it succeeded.</summary>
internal static class Sync
{
    public static async Task OnceAsync(Topology topology, string manifests, string mode)
    {
        var result = await topology.ProxyAsync("--once", "--manifests", manifests, "--proxy-mode", mode,
            "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        Assert.True(result.ExitCode == 0, $"kube-proxy-sharp --once failed: {result}");
    }

    /// <summary>Probes <paramref name="count"/> times and returns the outcomes.</summary>
    public static async Task<List<ProbeResult>> ProbeManyAsync(int count, string from, string ip, int port, string protocol = "tcp")
    {
        var results = new List<ProbeResult>();
        for (var i = 0; i < count; i++)
        {
            results.Add(await Topology.ProbeAsync(from, ip, port, protocol));
        }
        return results;
    }

    public static string Describe(IEnumerable<ProbeResult> results) => string.Join("; ", results.GroupBy(r => r.ToString().Split(" in ")[0]).Select(g => $"{g.Count()}× {g.Key}"));
}
