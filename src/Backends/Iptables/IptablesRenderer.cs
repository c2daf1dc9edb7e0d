using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Pure: one family's <see cref="ProxyState"/> → every chain we want, with upstream's layout and comments.
/// Rules are written in iptables-save's canonical form (match order and spelling), so the payload reads exactly
/// like what <c>iptables-save</c> shows afterwards.
/// </summary>
public static class IptablesRenderer
{
    private const string NodePortsComment = "\"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";

    public static RuleSet Render(ProxyState state, IptablesOptions options)
    {
        var mark = options.MasqueradeMark;
        var filterServices = new List<string>();
        var filterExternal = new List<string>();
        var natServices = new List<string>();
        var natNodePorts = new List<string>();
        var perService = new List<ChainRules>();

        foreach (var port in state.Services)
        {
            var name = port.Name.ToString();
            var proto = port.Protocol.ToLower();
            var vip = $"-d {Host(port.ClusterIP)} -p {proto}";
            if (!port.HasEndpoints)
            {
                var reject = $"-j REJECT --reject-with {RejectWith(state.Family)}";
                filterServices.Add($"{vip} -m comment --comment {Quote(name + " has no endpoints")} -m {proto} --dport {port.Port} {reject}");
                if (port.NodePort != 0)
                {
                    filterExternal.Add($"-p {proto} -m comment --comment {Quote(name + " has no endpoints")} -m addrtype --dst-type LOCAL -m {proto} --dport {port.NodePort} {reject}");
                }
                continue;
            }

            var svcChain = ChainNames.Service(port.Name);
            var clusterIPMatch = $"-p {proto} -m comment --comment {Quote(name + " cluster IP")} -m {proto} --dport {port.Port}";
            natServices.Add($"{vip} -m comment --comment {Quote(name + " cluster IP")} -m {proto} --dport {port.Port} -j {svcChain}");

            var svcRules = new List<string>();
            var endpointChains = new List<ChainRules>();
            if (state.Masquerade.All)
            {
                svcRules.Add($"-d {Host(port.ClusterIP)} {clusterIPMatch} -j {ChainNames.MarkMasq}");
            }
            else if (state.Masquerade.ClusterCidr is { } cidr)
            {
                svcRules.Add($"! -s {cidr} -d {Host(port.ClusterIP)} {clusterIPMatch} -j {ChainNames.MarkMasq}");
            }
            for (var i = 0; i < port.Endpoints.Count; i++)
            {
                var endpoint = port.Endpoints[i];
                var sepChain = ChainNames.Endpoint(port.Name, endpoint);
                var remaining = port.Endpoints.Count - i;
                var spread = remaining > 1
                    ? $" -m statistic --mode random --probability {(1.0 / remaining).ToString("F10", CultureInfo.InvariantCulture)}"
                    : "";
                svcRules.Add($"-m comment --comment {Quote($"{name} -> {endpoint}")}{spread} -j {sepChain}");
                endpointChains.Add(new ChainRules(BaseChains.Nat, sepChain, EquatableArray.Create(
                    // Hairpin: a pod reaching itself through its service must see the node as source, or its reply
                    // would go straight back to itself and never be un-NATed.
                    $"-s {Host(endpoint.Address)} -m comment --comment {Quote(name)} -j {ChainNames.MarkMasq}",
                    $"-p {proto} -m comment --comment {Quote(name)} -m {proto} -j DNAT --to-destination {endpoint}"), name));
            }
            perService.Add(new ChainRules(BaseChains.Nat, svcChain, svcRules.ToEquatableArray(), name));

            if (port.NodePort != 0)
            {
                var extChain = ChainNames.External(port.Name);
                natNodePorts.Add($"-p {proto} -m comment --comment {Quote(name)} -m {proto} --dport {port.NodePort} -j {extChain}");
                perService.Add(new ChainRules(BaseChains.Nat, extChain, EquatableArray.Create(
                    $"-m comment --comment {Quote($"masquerade traffic for {name} external destinations")} -j {ChainNames.MarkMasq}",
                    $"-j {svcChain}"), name));
            }
            perService.AddRange(endpointChains);
        }
        natServices.Add($"-m comment --comment {NodePortsComment} -m addrtype --dst-type LOCAL -j {ChainNames.NodePorts}");

        ImmutableArray<ChainRules> chains =
        [
            Base(BaseChains.Filter, ChainNames.Services, filterServices),
            Base(BaseChains.Filter, ChainNames.ExternalServices, filterExternal),
            Base(BaseChains.Filter, ChainNames.Forward,
            [
                "-m conntrack --ctstate INVALID -j DROP",
                $"-m comment --comment \"kubernetes forwarding rules\" -m mark --mark {mark}/{mark} -j ACCEPT",
                "-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            ]),
            Base(BaseChains.Nat, ChainNames.Services, natServices),
            Base(BaseChains.Nat, ChainNames.NodePorts, natNodePorts),
            Base(BaseChains.Nat, ChainNames.Postrouting,
            [
                $"-m mark ! --mark {mark}/{mark} -j RETURN",
                // Clear the mark so that a packet re-traversing the stack (e.g. through a tunnel) is not SNATed twice.
                $"-j MARK --set-xmark {mark}/0x0",
                "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
            ]),
            Base(BaseChains.Nat, ChainNames.MarkMasq, [$"-j MARK --set-xmark {mark}/{mark}"]),
            .. perService,
        ];
        return new RuleSet(chains);
    }

    private static ChainRules Base(string table, string chain, List<string> rules) => new(table, chain, rules.ToEquatableArray(), null);

    private static string Host(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? $"{address}/32" : $"{address}/128";

    private static string RejectWith(IpFamily family) => family == IpFamily.IPv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";

    /// <summary>Quotes a comment as iptables-nft-save prints it: always (legacy iptables-save quotes only when needed).</summary>
    internal static string Quote(string comment) => $"\"{comment}\"";
}
