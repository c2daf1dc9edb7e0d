using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.Tests.Reconciling;

/// <summary>
/// Shared input for the semantics tables: this node is "node-1" in zone "z1" with node IP 192.0.2.1, and a
/// ClusterCIDR detector for 10.244.0.0/16 unless a test says otherwise.
/// </summary>
internal static class Semantics
{
    public static readonly NodeContext Node = new NodeContext("node-1", EquatableDictionary<string, string>.Empty.AsImmutableDictionary().Add(EndpointCategorizer.ZoneLabel, "z1"))
    {
        NodeIPs = EquatableArray.Create(System.Net.IPAddress.Parse("192.0.2.1"), System.Net.IPAddress.Parse("2001:db8::1")),
    };

    public static readonly ReconcileOptions Options = new(false, EquatableArray.Create(System.Net.IPNetwork.Parse("10.244.0.0/16"), System.Net.IPNetwork.Parse("fd00:244::/48")));

    public static ReconcileResult Run(string yaml, ReconcileOptions? options = null, NodeContext? node = null) =>
        Reconciler.Reconcile(Objects.FromYaml(yaml), node ?? Node, options ?? Options);

    /// <summary>The one IPv4 service port of <paramref name="yaml"/>, described; fails when there is not exactly one.</summary>
    public static string One(string yaml, ReconcileOptions? options = null, NodeContext? node = null) =>
        ModelText.Describe(Assert.Single(Run(yaml, options, node).IPv4.Services));

    /// <summary>A Service named "svc" with one TCP port 80 named "p", cluster IP 10.96.0.10, and <paramref name="spec"/> lines added under spec.</summary>
    public static string Service(string spec = "", string status = "", string clusterIPs = "[10.96.0.10]", int nodePort = 0) => $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: svc, namespace: ns{"}"}
        spec:
          clusterIP: {clusterIPs.Trim('[', ']').Split(',')[0].Trim()}
          clusterIPs: {clusterIPs}
          ports: [{"{"}name: p, port: 80, protocol: TCP{(nodePort == 0 ? "" : $", nodePort: {nodePort}")}{"}"}]
        {Indent(spec)}
        status:
        {Indent(status)}
        ---

        """;

    /// <summary>An EndpointSlice of "svc" with port "p" 8080 and <paramref name="endpoints"/> (a YAML flow list).</summary>
    public static string Slice(string endpoints, string name = "svc-1", string addressType = "IPv4") => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {"{"}name: {name}, namespace: ns, labels: {"{"}kubernetes.io/service-name: svc{"}"}{"}"}
        addressType: {addressType}
        ports: [{"{"}name: p, port: 8080, protocol: TCP{"}"}]
        endpoints: {endpoints}
        ---

        """;

    /// <summary>An endpoint entry: "10.244.1.2@node-1 ready" style shorthands are spelled out here.</summary>
    public static string Ep(string ip, string node, bool? ready = null, bool? serving = null, bool? terminating = null, string? zones = null, string? nodes = null)
    {
        var conditions = new List<string>();
        if (ready is { } r)
        {
            conditions.Add($"ready: {(r ? "true" : "false")}");
        }
        if (serving is { } s)
        {
            conditions.Add($"serving: {(s ? "true" : "false")}");
        }
        if (terminating is { } t)
        {
            conditions.Add($"terminating: {(t ? "true" : "false")}");
        }
        var hints = new List<string>();
        if (zones is not null)
        {
            hints.Add($"forZones: [{string.Join(", ", zones.Split(',').Select(z => $"{{name: {z}}}"))}]");
        }
        if (nodes is not null)
        {
            hints.Add($"forNodes: [{string.Join(", ", nodes.Split(',').Select(n => $"{{name: {n}}}"))}]");
        }
        var text = $"{{addresses: [\"{ip}\"], nodeName: {node}";
        if (conditions.Count > 0)
        {
            text += $", conditions: {{{string.Join(", ", conditions)}}}";
        }
        if (hints.Count > 0)
        {
            text += $", hints: {{{string.Join(", ", hints)}}}";
        }
        return text + "}";
    }

    public static string List(params string[] entries) => $"[{string.Join(", ", entries)}]";

    private static string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "  " + l.TrimStart()));
}
