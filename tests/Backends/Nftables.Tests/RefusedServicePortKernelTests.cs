using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>
/// The real nft refuses one service's rules (a seam breaks each line that names it): the other services are in the
/// kernel, the refused one is named, and nothing of it is there.
/// </summary>
public class RefusedServicePortKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServicePort Service(int i) => TestModel.Port(
        new ServicePortName("ns", $"svc{i:D2}", "http", L4Protocol.Tcp), IPAddress.Parse($"10.96.0.{i + 1}"), 80, 30000 + i,
        [new Endpoint(IPAddress.Parse($"10.244.{i}.1"), 8080, false)]);

    [Fact]
    public async Task TheRealToolRefusesOneServicesRules_AndTheOthersAreProgrammed()
    {
        using var ns = KernelNamespace.Create("nft");
        var runner = new NamespaceCommandRunner(ns, payload => string.Join('\n', payload.Split('\n')
            .Select(l => l.Contains("\"ns/svc07:http\"", StringComparison.Ordinal) ? l.Replace(" comment ", " no-such-keyword comment ", StringComparison.Ordinal) : l)));
        var backend = new NftablesBackend(runner, new NftablesOptions(), NullLogger<NftablesBackend>.Instance);
        var states = new[] { ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), Enumerable.Range(0, 20).Select(Service)) };

        var result = await backend.SyncAsync(states, full: true, Ct);

        var refused = Assert.Single(Assert.Single(result.Families).Refused);
        Assert.Equal("ns/svc07:http", refused.Name.ToString());
        Assert.Contains("no-such-keyword", refused.Reason);
        var listing = ns.Exec("nft", null, "list", "table", "ip", "kube-proxy").Output;
        Assert.DoesNotContain("svc07", listing);
        Assert.DoesNotContain("10.244.7.1", listing);
        Assert.All(Enumerable.Range(0, 20).Where(i => i != 7), i => Assert.Contains($"10.244.{i}.1", listing));
    }
}
