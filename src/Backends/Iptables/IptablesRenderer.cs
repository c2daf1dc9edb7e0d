using System.Collections.Immutable;
using Proxy.Core.Model;
using static Proxy.Backends.Xtables.RuleText;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Pure: one family's <see cref="ProxyState"/> → every chain we want, with upstream's layout and comments (each
/// service port's share is <see cref="ServicePortRules"/>). Rules are written in iptables-save's canonical form (match
/// order and spelling), so the payload reads like what <c>iptables-save</c> shows afterwards.
/// </summary>
public static class IptablesRenderer
{
    private const string NodePortsComment = "kubernetes service nodeports; NOTE: this must be the last rule in this chain";

    /// <summary>Ports to render before it pays to spread them over the cores.</summary>
    private const int ParallelRenderAbove = 256;

    /// <param name="cache">The backend's: each unchanged port's rules from the last render (one port at 10k renders in ms).</param>
    public static RuleSet Render(ProxyState state, IptablesOptions options, ServicePortCache? cache = null)
    {
        var mark = options.MasqueradeMark;
        var rules = new RenderedRules();
        var largeCluster = state.ReachesMoreEndpointsThan(options.LargeClusterEndpoints);
        var countLocalhost = state.Node.NodePorts.Loopback && options.NfacctCounters.Contains(IptablesOptions.LocalhostNodePortsCounter);
        RenderedRules RenderPort(ServicePort port)
        {
            var own = new RenderedRules();
            new ServicePortRules(port, state.Family, state.Node.LocalDetector, largeCluster, countLocalhost).Render(own);
            return own;
        }
        cache?.Begin(state.Family, state.Node.LocalDetector, largeCluster, countLocalhost);
        var ports = state.Services.AsImmutableArray();
        var perPort = new RenderedRules?[ports.Length];
        var missing = new List<int>();
        for (var i = 0; i < ports.Length; i++)
        {
            if (cache?.TryReuse(ports[i], out var kept) == true)
            {
                perPort[i] = kept;
            }
            else
            {
                missing.Add(i);
            }
        }
        // A first (or a mode-changing) sync renders every port: 89k chains at 10k services, a second of CPU that
        // stands between the sync and iptables-restore. Ports render independently (pure, immutable model), so those
        // are spread over the cores; a partial sync renders a few, in line.
        var spread = new ParallelOptions { MaxDegreeOfParallelism = missing.Count >= ParallelRenderAbove ? -1 : 1 };
        Parallel.For(0, missing.Count, spread, j => perPort[missing[j]] = RenderPort(ports[missing[j]]));
        for (var i = 0; i < ports.Length; i++)
        {
            cache?.Keep(ports[i], perPort[i]!);
            rules.Add(perPort[i]!);
        }
        cache?.End(rendered: missing.Count);
        rules.NatServices.AddRange(NodePortDispatch(state.Family, state.Node.NodePorts));

        var forward = new List<string>();
        if (options.DropInvalid)
        {
            // Without nf_conntrack_tcp_be_liberal, out-of-window packets are INVALID and would reset connections (#74839).
            forward.Add(options.NfacctCounters.Contains(IptablesOptions.CtStateInvalidCounter)
                ? $"-m conntrack --ctstate INVALID -m nfacct --nfacct-name {IptablesOptions.CtStateInvalidCounter} -j DROP"
                : "-m conntrack --ctstate INVALID -j DROP");
        }
        forward.Add($"-m comment --comment \"kubernetes forwarding rules\" -m mark --mark {mark}/{mark} -j ACCEPT");
        forward.Add("-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");

        var chains = ImmutableArray.CreateBuilder<ChainRules>();
        chains.Add(Base(BaseChains.Filter, ChainNames.Services, rules.FilterServices));
        chains.Add(Base(BaseChains.Filter, ChainNames.ExternalServices, rules.FilterExternalServices));
        chains.Add(Base(BaseChains.Filter, ChainNames.Forward, forward));
        chains.Add(Base(BaseChains.Filter, ChainNames.NodePorts, rules.FilterNodePorts));
        chains.Add(Base(BaseChains.Filter, ChainNames.ProxyFirewall, rules.FilterProxyFirewall));
        var jumps = BaseChains.Jumps;
        if (state.Node.NodePorts.Loopback)
        {
            // route_localnet lets 127.0.0.1 be DNATed off the node; this drops what would abuse it (CVE-2020-8558), as
            // kubelet's identical rule does.
            chains.Add(Base(BaseChains.Filter, ChainNames.KubeletFirewall,
            [
                "! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
            ]));
            jumps = jumps.AddRange(BaseChains.KubeletFirewallJumps);
        }
        chains.Add(Base(BaseChains.Nat, ChainNames.Services, rules.NatServices));
        chains.Add(Base(BaseChains.Nat, ChainNames.NodePorts, rules.NatNodePorts));
        chains.Add(Base(BaseChains.Nat, ChainNames.Postrouting,
        [
            $"-m mark ! --mark {mark}/{mark} -j RETURN",
            // Clear the mark so that a packet re-traversing the stack (e.g. through a tunnel) is not SNATed twice.
            $"-j MARK --set-xmark {mark}/0x0",
            "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
        ]));
        chains.Add(Base(BaseChains.Nat, ChainNames.MarkMasq, [$"-j MARK --set-xmark {mark}/{mark}"]));
        chains.AddRange(CanaryChains.All);
        chains.AddRange(rules.PerService);
        return new RuleSet(chains.ToImmutable(), jumps);
    }

    /// <summary>
    /// The tail of nat KUBE-SERVICES: node-port traffic goes to KUBE-NODEPORTS, on every local address (loopback only
    /// when the model says so: IPv6 never, IPv4 with localhost node ports) or on each chosen address.
    /// </summary>
    private static IEnumerable<string> NodePortDispatch(IpFamily family, NodePortAddresses nodePorts)
    {
        if (nodePorts.AllLocal)
        {
            var notLoopback = nodePorts.Loopback ? null : family == IpFamily.IPv4 ? "! -d 127.0.0.0/8" : "! -d ::1/128";
            return [Join(notLoopback, Comment(NodePortsComment), "-m addrtype --dst-type LOCAL", $"-j {ChainNames.NodePorts}")];
        }
        return nodePorts.Addresses.Select(a => Join($"-d {Host(a)}", Comment(NodePortsComment), $"-j {ChainNames.NodePorts}"));
    }

    private static ChainRules Base(string table, string chain, List<string> rules) => new(table, chain, new PackedRules(rules), null);
}
