using Proxy.Core.Model;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>
/// Which endpoint set each kind of traffic uses, whether it is masqueraded, and the verdict when the set is empty:
/// upstream's UsesClusterEndpoints / UsesLocalEndpoints and syncProxyRules' hasInternalEndpoints /
/// hasExternalEndpoints, decided once in the reconciler.
/// </summary>
public class TrafficPolicyTests
{
    private static readonly string LocalAndRemote = Slice(List(Ep("10.244.1.2", "node-1"), Ep("10.244.2.2", "node-2")));
    private static readonly string RemoteOnly = Slice(List(Ep("10.244.2.2", "node-2")));

    public static TheoryData<string, string, string> Cases() => new()
    {
        {
            "plain ClusterIP: cluster set only, masqueraded off-cluster",
            Service() + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject"
        },
        {
            "NodePort, Cluster policies: external traffic always masqueraded",
            Service("type: NodePort", nodePort: 30080) + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 np=30080 cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject"
        },
        {
            "NodePort, externalTrafficPolicy Local: local set, source kept, pods and the node short-circuit to the cluster set",
            Service("type: NodePort\nexternalTrafficPolicy: Local", nodePort: 30080) + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 np=30080 cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[10.244.1.2:8080(local)] int=Cluster/OffCluster/Reject ext=Local/None/Drop+pods+node"
        },
        {
            "externalTrafficPolicy Local with no local endpoint: external traffic drops, internal still served",
            Service("type: NodePort\nexternalTrafficPolicy: Local", nodePort: 30080) + RemoteOnly,
            "ns/svc:p TCP 10.96.0.10:80 np=30080 cluster=[10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Local/None/Drop+pods+node"
        },
        {
            "externalTrafficPolicy Local and no endpoint anywhere: everything rejected",
            Service("type: NodePort\nexternalTrafficPolicy: Local", nodePort: 30080),
            "ns/svc:p TCP 10.96.0.10:80 np=30080 cluster=[] local=[] int=Cluster/OffCluster/Reject ext=Local/None/Reject+pods+node"
        },
        {
            "externalTrafficPolicy Local on a plain ClusterIP is meaningless: ignored",
            Service("externalTrafficPolicy: Local") + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject"
        },
        {
            "externalTrafficPolicy Local on a ClusterIP with external IPs counts (upstream's ExternallyAccessible)",
            Service("externalTrafficPolicy: Local\nexternalIPs: [192.0.2.10]") + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 eips=[192.0.2.10] cluster=[10.244.1.2:8080(local),10.244.2.2:8080] local=[10.244.1.2:8080(local)] int=Cluster/OffCluster/Reject ext=Local/None/Drop+pods+node"
        },
        {
            "internalTrafficPolicy Local: only the local set, no cluster set needed",
            Service("internalTrafficPolicy: Local") + LocalAndRemote,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[] local=[10.244.1.2:8080(local)] int=Local/OffCluster/Drop ext=Cluster/All/Reject"
        },
        {
            "internalTrafficPolicy Local with no local endpoint: drop, the service has endpoints elsewhere",
            Service("internalTrafficPolicy: Local") + RemoteOnly,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[] local=[] int=Local/OffCluster/Drop ext=Cluster/All/Reject"
        },
        {
            "internalTrafficPolicy Local with no endpoint at all: reject",
            Service("internalTrafficPolicy: Local"),
            "ns/svc:p TCP 10.96.0.10:80 cluster=[] local=[] int=Local/OffCluster/Reject ext=Cluster/All/Reject"
        },
        {
            "internalTrafficPolicy Local on a NodePort: the cluster set serves external traffic",
            Service("type: NodePort\ninternalTrafficPolicy: Local", nodePort: 30080) + RemoteOnly,
            "ns/svc:p TCP 10.96.0.10:80 np=30080 cluster=[10.244.2.2:8080] local=[] int=Local/OffCluster/Drop ext=Cluster/All/Reject"
        },
        {
            "session affinity ClientIP: upstream's default timeout",
            Service("sessionAffinity: ClientIP") + RemoteOnly,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject aff=10800"
        },
        {
            "session affinity ClientIP with its own timeout",
            Service("sessionAffinity: ClientIP\nsessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}") + RemoteOnly,
            "ns/svc:p TCP 10.96.0.10:80 cluster=[10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject aff=60"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachPolicyGivesItsRoutes(string because, string yaml, string expected) =>
        Assert.True(expected == One(yaml), $"{because}:\nexpected {expected}\nactual   {One(yaml)}");

    [Fact]
    public void MasqueradeAllMasqueradesEveryInternalPacket()
    {
        var options = Options with { MasqueradeAll = true };

        Assert.Equal("All", Assert.Single(Run(Service() + RemoteOnly, options).IPv4.Services).Internal.Masquerade.ToString());
    }

    [Fact]
    public void WithoutADetectorNothingIsMasqueradedOffClusterAndPodsDoNotShortCircuit()
    {
        var options = ReconcileOptions.Default;
        var yaml = Service("type: LoadBalancer\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 31000", nodePort: 30080) + RemoteOnly;

        var port = Assert.Single(Run(yaml, options).IPv4.Services);

        Assert.Equal("Cluster/None/Reject", ModelText.Route(port.Internal));
        Assert.Equal("Local/None/Drop+node", ModelText.Route(port.External));
    }

    [Fact]
    public void AnUnknownPolicyOrAffinityIsNamedInAWarning_AndTheDefaultIsUsed()
    {
        var result = Run(Service("externalTrafficPolicy: Sometimes\ninternalTrafficPolicy: Nearby\nsessionAffinity: Cookie") + RemoteOnly);

        Assert.Equal("Cluster/OffCluster/Reject", ModelText.Route(Assert.Single(result.IPv4.Services).Internal));
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("Service ns/svc", warning);
        Assert.Contains("spec.externalTrafficPolicy \"Sometimes\"", warning);
        Assert.Contains("spec.internalTrafficPolicy \"Nearby\"", warning);
        Assert.Contains("spec.sessionAffinity \"Cookie\"", warning);
    }

    [Fact]
    public void ADualStackServiceWithOneFamilysSlicesMissingRejectsInThatFamilyOnly()
    {
        var result = Run(Service("ipFamilyPolicy: RequireDualStack", clusterIPs: "[10.96.0.10, \"fd00:96::10\"]") + RemoteOnly);

        Assert.Equal("ns/svc:p TCP 10.96.0.10:80 cluster=[10.244.2.2:8080] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject", ModelText.Describe(Assert.Single(result.IPv4.Services)));
        Assert.Equal("ns/svc:p TCP [fd00:96::10]:80 cluster=[] local=[] int=Cluster/OffCluster/Reject ext=Cluster/All/Reject", ModelText.Describe(Assert.Single(result.IPv6.Services)));
        Assert.False(Assert.Single(result.IPv6.Services).HasEndpoints);
    }
}
