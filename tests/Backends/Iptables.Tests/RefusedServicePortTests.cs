using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;
using static Proxy.Backends.Testing.RefusalCluster;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>A service port whose rules the restore tool refuses is left out; the others are programmed.</summary>
public class RefusedServicePortTests
{
    private readonly FakeIptables kernel = new();
    private readonly IptablesBackend backend;

    public RefusedServicePortTests() => backend = new IptablesBackend(kernel, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRefusedPortIsLeftOutAndNamed_AndEveryOtherPortIsProgrammed()
    {
        kernel.Refuse = "ns/svc017:http";

        var result = await backend.SyncAsync(States(Forty()), full: true, Ct);

        var refused = Assert.Single(Assert.Single(result.Families).Refused);
        Assert.Equal("ns/svc017:http", refused.Name.ToString());
        Assert.Contains("Bad argument", refused.Reason);
        Assert.Equal(39, result.ServicePorts);
        var dump = kernel.Dump();
        Assert.DoesNotContain("svc017", dump);
        Assert.All(Enumerable.Range(0, 40).Where(i => i != 17), i => Assert.Contains($"ns/svc{i:D3}:http cluster IP", dump));
        // Found with --test payloads only: the one applied payload is the one without the refused port.
        Assert.Single(kernel.Payloads, p => !p.Contains("svc017", StringComparison.Ordinal));
        Assert.NotEmpty(kernel.Tests);
    }

    [Fact]
    public async Task ARefusedPortStaysOutWithoutNewSearches_FullSyncsIncluded_UntilItChanges()
    {
        kernel.Refuse = "10.244.17.1";
        var services = Forty();
        await backend.SyncAsync(States(services), full: true, Ct);
        var tests = kernel.Tests.Count;

        services[3] = Service(3, host: 2);
        var partial = await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Equal(tests, kernel.Tests.Count);
        Assert.Single(Assert.Single(partial.Families).Refused);
        Assert.Contains("10.244.3.2", kernel.Dump());

        var periodic = await backend.SyncAsync(States(services), full: true, Ct);
        Assert.Equal(tests, kernel.Tests.Count);
        Assert.Single(Assert.Single(periodic.Families).Refused);

        services[17] = Service(17, host: 2);
        var changed = await backend.SyncAsync(States(services), full: false, Ct);
        Assert.Empty(Assert.Single(changed.Families).Refused);
        Assert.Contains("ns/svc017:http cluster IP", kernel.Dump());
    }

    [Fact]
    public async Task WhenThePayloadIsRefusedWithoutAnyPort_TheSyncFailsAndThePreviousRulesStay()
    {
        await backend.SyncAsync(States(Forty()), full: true, Ct);
        var before = kernel.Dump();
        // Every payload rewrites the dispatch chain, whichever ports it holds: no port is to blame.
        kernel.Refuse = "-A KUBE-SERVICES";

        await Assert.ThrowsAsync<ProxySyncException>(() => backend.SyncAsync(States([.. Forty(), Service(50)]), full: true, Ct));

        Assert.Equal(before, kernel.Dump());
    }

    [Fact]
    public async Task TwoRefusedPortsAreBothFound()
    {
        kernel.Refuse = "10.244.3.1";
        var services = Forty();
        services[31] = services[31] with { ClusterEndpoints = new[] { new Endpoint(IPAddress.Parse("10.244.3.1"), 9090, false) }.ToEquatableArray() };

        var result = await backend.SyncAsync(States(services), full: true, Ct);

        Assert.Equal(["ns/svc003:http", "ns/svc031:http"], Assert.Single(result.Families).Refused.Select(r => r.Name.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(38, result.ServicePorts);
    }
}
