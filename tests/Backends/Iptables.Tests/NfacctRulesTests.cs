using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// upstream's two nfacct-counting rules, written only when their counter exists (a rule naming a missing counter would
/// fail the whole restore): the INVALID drop counts its packets, and a node port reached on 127.0.0.1 is counted
/// before it is taken.
/// </summary>
public class NfacctRulesTests
{
    private static readonly ServicePort Web = new(new ServicePortName("default", "web", "", L4Protocol.Tcp), IPAddress.Parse("10.96.0.10"), 80)
    {
        NodePort = 30080,
        ClusterEndpoints = EquatableArray.Create(new Endpoint(IPAddress.Parse("10.244.1.2"), 8080, false)),
    };

    private static ProxyState State(bool loopback) =>
        ProxyState.Create(IpFamily.IPv4, new NodeNetwork(null, NodePortAddresses.AllLocalAddresses(loopback)), [Web]);

    private static readonly IptablesOptions Counting = new() { NfacctCounters = [IptablesOptions.CtStateInvalidCounter, IptablesOptions.LocalhostNodePortsCounter] };

    [Fact]
    public void WithTheCountersTheRulesCountIntoThem()
    {
        var rules = IptablesRenderer.Render(State(loopback: true), Counting);

        Assert.Equal("-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP", rules.Find("filter", ChainNames.Forward)!.Rules[0]);
        var ext = ChainNames.External(Web.Name);
        Assert.Equal(
            [
                $"-d 127.0.0.0/8 -p tcp -m comment --comment \"default/web\" -m tcp --dport 30080 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j {ext}",
                $"-p tcp -m comment --comment \"default/web\" -m tcp --dport 30080 -j {ext}",
            ],
            rules.Find("nat", ChainNames.NodePorts)!.Rules);
    }

    [Fact]
    public void WithoutLocalhostNodePortsThereIsNothingToCountThere()
    {
        var rules = IptablesRenderer.Render(State(loopback: false), Counting);

        Assert.DoesNotContain(rules.Find("nat", ChainNames.NodePorts)!.Rules, r => r.Contains("nfacct", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutTheCountersNoRuleNamesThem()
    {
        var rules = IptablesRenderer.Render(State(loopback: true), new IptablesOptions());

        Assert.DoesNotContain(rules.Chains.SelectMany(c => c.Rules), r => r.Contains("nfacct", StringComparison.Ordinal));
    }
}
