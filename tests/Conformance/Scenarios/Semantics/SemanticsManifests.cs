using static Proxy.Conformance.Tests.Scenarios.Semantics.SemanticsWorld;

namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>
/// The semantics table's cluster as manifests: this Node (zone z1) and one service per behaviour, each port 80 →
/// 8080, cluster IPs 10.96.1.N. Written out in full so a reader sees exactly what the proxy was given.
/// </summary>
internal static class SemanticsManifests
{
    public const string ExternalIP = "198.51.100.10";
    public const string LoadBalancerIP = "203.0.113.2";
    public const string RangedLoadBalancerIP = "203.0.113.3";
    public const string LocalLoadBalancerIP = "203.0.113.4";

    public static string All => string.Join("---\n",
        """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1, labels: {topology.kubernetes.io/zone: z1}}
        status: {addresses: [{type: InternalIP, address: 192.0.2.1}]}

        """,
        Service("eips", 1, "externalIPs: [" + ExternalIP + "]") + Slice("eips", Ep(Web1, "node-1")),
        Service("lb", 2, "type: LoadBalancer", nodePort: 30002, status: $"loadBalancer: {{ingress: [{{ip: {LoadBalancerIP}}}]}}") + Slice("lb", Ep(Web1, "node-1")),
        Service("ranges", 3, "type: LoadBalancer\n  loadBalancerSourceRanges: [192.0.2.3/32]", nodePort: 30003, status: $"loadBalancer: {{ingress: [{{ip: {RangedLoadBalancerIP}}}]}}")
            + Slice("ranges", Ep(Web1, "node-1")),
        Service("etplocal", 4, "type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32004", nodePort: 30004, status: $"loadBalancer: {{ingress: [{{ip: {LocalLoadBalancerIP}}}]}}")
            + Slice("etplocal", Ep(Web2, "node-1"), Ep(Rem1, "node-2")),
        Service("etpnone", 5, "type: NodePort\n  externalTrafficPolicy: Local", nodePort: 30005) + Slice("etpnone", Ep(Rem2, "node-2")),
        Service("itplocal", 6, "internalTrafficPolicy: Local") + Slice("itplocal", Ep(Web1, "node-1"), Ep(Rem1, "node-2")),
        Service("itpnone", 7, "internalTrafficPolicy: Local") + Slice("itpnone", Ep(Rem2, "node-2")),
        Service("affinity", 8, "sessionAffinity: ClientIP") + Slice("affinity", Ep(Web1, "node-1"), Ep(Web2, "node-1"), Ep(Rem1, "node-2"), Ep(Rem2, "node-2")),
        Service("zone", 9, "") + Slice("zone", Ep(Web1, "node-1", hints: "{forZones: [{name: z1}]}"), Ep(Rem1, "node-2", hints: "{forZones: [{name: z2}]}"), Ep(Rem2, "node-2", hints: "{forZones: [{name: z1}]}")),
        Service("nodehint", 10, "") + Slice("nodehint",
            Ep(Web2, "node-1", hints: "{forZones: [{name: z1}], forNodes: [{name: node-1}]}"),
            Ep(Rem1, "node-2", hints: "{forZones: [{name: z1}], forNodes: [{name: node-2}]}")),
        Service("termcluster", 11, "") + Slice("termcluster",
            Ep(Term2, "node-2", conditions: "{ready: false, serving: true, terminating: true}"),
            Ep(Rem2, "node-2", conditions: "{ready: false, serving: false, terminating: true}")),
        Service("termlocal", 12, "type: NodePort\n  externalTrafficPolicy: Local", nodePort: 30012) + Slice("termlocal",
            Ep(Term1, "node-1", conditions: "{ready: false, serving: true, terminating: true}"),
            Ep(Rem1, "node-2")),
        Service("np", 13, "type: NodePort", nodePort: 30013) + Slice("np", Ep(Web1, "node-1")));

    private static string Service(string name, int n, string spec, int nodePort = 0, string status = "") => $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: {name}, namespace: sem{"}"}
        spec:
          clusterIP: 10.96.1.{n}
          ports: [{"{"}name: p, port: 80, targetPort: 8080, protocol: TCP{(nodePort == 0 ? "" : $", nodePort: {nodePort}")}{"}"}]
          {spec}
        status: {"{"}{status}{"}"}
        ---

        """;

    private static string Slice(string service, params string[] endpoints) => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {"{"}name: {service}-1, namespace: sem, labels: {"{"}kubernetes.io/service-name: {service}{"}"}{"}"}
        addressType: IPv4
        ports: [{"{"}name: p, port: 8080, protocol: TCP{"}"}]
        endpoints: [{string.Join(", ", endpoints)}]

        """;

    private static string Ep(string ip, string node, string? conditions = null, string? hints = null) =>
        $"{{addresses: [{ip}], nodeName: {node}{(conditions is null ? "" : $", conditions: {conditions}")}{(hints is null ? "" : $", hints: {hints}")}}}";
}
