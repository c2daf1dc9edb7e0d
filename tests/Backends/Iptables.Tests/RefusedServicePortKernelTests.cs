using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// The real iptables-restore refuses one service's rules (a seam adds an option it does not know to each of that
/// service's lines): the other services are in the kernel, the refused one is named, and nothing of it is there.
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
        using var ns = KernelNamespace.Create("iptables-restore", "iptables-save");
        // Each line of svc07's own chains carries its name in a comment; the rewrite breaks exactly those lines.
        var runner = new NamespaceCommandRunner(ns, payload => string.Join('\n', payload.Split('\n')
            .Select(l => l.Contains("ns/svc07:http", StringComparison.Ordinal) ? l + " --no-such-option" : l)));
        var backend = new IptablesBackend(runner, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);
        var states = new[] { ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), Enumerable.Range(0, 20).Select(Service)) };

        var result = await backend.SyncAsync(states, full: true, Ct);

        var refused = Assert.Single(Assert.Single(result.Families).Refused);
        Assert.Equal("ns/svc07:http", refused.Name.ToString());
        Assert.Contains("no-such-option", refused.Reason);
        var save = ns.Exec("iptables-save", null).Output;
        Assert.DoesNotContain("svc07", save);
        Assert.DoesNotContain("--no-such-option", save);
        Assert.All(Enumerable.Range(0, 20).Where(i => i != 7), i => Assert.Contains($"\"ns/svc{i:D2}:http cluster IP\"", save));

        // The next partial sync carries on without searching again, and a changed svc07 is tried again.
        var again = await backend.SyncAsync(states, full: false, Ct);
        Assert.Single(Assert.Single(again.Families).Refused);
    }
}
