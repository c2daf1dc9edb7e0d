using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>
/// upstream's CategorizeEndpoints: which endpoints make the cluster and local sets, with the terminating-endpoint
/// fallback and topology hints (node hints first, then zone hints; each only when every ready endpoint has one and
/// one names this node or its zone). This node is node-1 in zone z1.
/// </summary>
public class EndpointSelectionTests
{
    private const string EtpLocal = "type: NodePort\nexternalTrafficPolicy: Local";

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        {
            "ready endpoints only, when some are ready",
            "",
            List(Ep("10.244.1.2", "node-1"), Ep("10.244.2.2", "node-2", ready: false, serving: true, terminating: true), Ep("10.244.2.3", "node-2", ready: false)),
            "cluster=[10.244.1.2:8080(local)] local=[]"
        },
        {
            "all endpoints terminating: the serving ones serve, for both sets",
            EtpLocal,
            List(Ep("10.244.1.2", "node-1", ready: false, serving: true, terminating: true), Ep("10.244.2.2", "node-2", ready: false, serving: true, terminating: true), Ep("10.244.2.3", "node-2", ready: false, serving: false, terminating: true)),
            "cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[10.244.1.2:8080(local)]"
        },
        {
            "the local set falls back to local terminating endpoints while remote ones are ready",
            EtpLocal,
            List(Ep("10.244.1.2", "node-1", ready: false, serving: true, terminating: true), Ep("10.244.2.2", "node-2")),
            "cluster=[10.244.2.2:8080] local=[10.244.1.2:8080(local)]"
        },
        {
            "local set empty, cluster set not",
            EtpLocal,
            List(Ep("10.244.2.2", "node-2"), Ep("10.244.2.3", "node-2")),
            "cluster=[10.244.2.2:8080,10.244.2.3:8080] local=[]"
        },
        {
            "zone hints on every ready endpoint, one for this zone: only this zone's",
            "",
            List(Ep("10.244.1.2", "node-1", zones: "z1"), Ep("10.244.2.2", "node-2", zones: "z2"), Ep("10.244.3.2", "node-3", zones: "z1")),
            "cluster=[10.244.1.2:8080(local),10.244.3.2:8080] local=[]"
        },
        {
            "zone hints on only some endpoints: no filtering",
            "",
            List(Ep("10.244.1.2", "node-1", zones: "z1"), Ep("10.244.2.2", "node-2")),
            "cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[]"
        },
        {
            "zone hints that name no endpoint for this zone: no filtering",
            "",
            List(Ep("10.244.2.2", "node-2", zones: "z2"), Ep("10.244.3.2", "node-3", zones: "z3")),
            "cluster=[10.244.2.2:8080,10.244.3.2:8080] local=[]"
        },
        {
            "hints are read from ready endpoints only: a terminating one without hints does not stop filtering",
            "",
            List(Ep("10.244.2.2", "node-2", zones: "z2"), Ep("10.244.3.2", "node-3", zones: "z1"), Ep("10.244.4.2", "node-4", ready: false, serving: true, terminating: true)),
            "cluster=[10.244.3.2:8080] local=[]"
        },
        {
            "node hints on every ready endpoint, one for this node: only those",
            "",
            List(Ep("10.244.1.2", "node-1", zones: "z1", nodes: "node-1"), Ep("10.244.3.2", "node-3", zones: "z1", nodes: "node-3")),
            "cluster=[10.244.1.2:8080(local)] local=[]"
        },
        {
            "node hints that miss this node: zone hints decide",
            "",
            List(Ep("10.244.2.2", "node-2", zones: "z2", nodes: "node-2"), Ep("10.244.3.2", "node-3", zones: "z1", nodes: "node-3")),
            "cluster=[10.244.3.2:8080] local=[]"
        },
        {
            "topology never filters the local set",
            EtpLocal,
            List(Ep("10.244.1.2", "node-1", zones: "z2"), Ep("10.244.2.2", "node-2", zones: "z2"), Ep("10.244.3.2", "node-3", zones: "z1")),
            "cluster=[10.244.3.2:8080] local=[10.244.1.2:8080(local)]"
        },
        {
            "an endpoint listed in two slices counts once",
            "",
            List(Ep("10.244.2.2", "node-2"), Ep("10.244.2.2", "node-2")),
            "cluster=[10.244.2.2:8080] local=[]"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSetsAreChosenAsUpstreamChoosesThem(string because, string spec, string endpoints, string expected)
    {
        var actual = One(Service(spec, nodePort: spec.Length > 0 ? 30080 : 0) + Slice(endpoints));
        Assert.True(actual.Contains(expected, StringComparison.Ordinal), $"{because}:\nexpected {expected}\nin       {actual}");
    }

    [Fact]
    public void ANodeWithoutAZoneLabelIgnoresZoneHints()
    {
        var node = Node with { Labels = Proxy.Core.Model.EquatableDictionary<string, string>.Empty };

        var actual = One(Service() + Slice(List(Ep("10.244.1.2", "node-1", zones: "z1"), Ep("10.244.2.2", "node-2", zones: "z2"))), node: node);

        Assert.Contains("cluster=[10.244.1.2:8080(local),10.244.2.2:8080]", actual);
    }

    [Fact]
    public void SlicesSpreadOverSeveralObjectsAreMerged_AndACopyInAnotherSliceCanOnlyMakeAnEndpointMoreUsable()
    {
        var yaml = Service()
            + Slice(List(Ep("10.244.2.2", "node-2", ready: false)), name: "svc-a")
            + Slice(List(Ep("10.244.2.2", "node-2"), Ep("10.244.2.3", "node-2")), name: "svc-b");

        Assert.Contains("cluster=[10.244.2.2:8080,10.244.2.3:8080]", One(yaml));
    }
}
