using static Proxy.Tests.Reconciling.Semantics;

namespace Proxy.Tests.Reconciling;

/// <summary>
/// A service port's serving endpoints (what conntrack cleanup keeps flows to): every serving endpoint, ready or
/// terminating, wherever it runs, whatever topology hints and traffic policies make of the cluster and local sets, as
/// upstream's CleanStaleEntries reads IsServing. This node is node-1 in zone z1.
/// </summary>
public class ServingEndpointsTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "ready ones and serving terminating ones, even while the cluster set has only the ready ones",
            "",
            List(Ep("10.244.1.2", "node-1"), Ep("10.244.2.2", "node-2", ready: false, serving: true, terminating: true), Ep("10.244.2.3", "node-2", ready: false, serving: false)),
            "10.244.1.2:8080,10.244.2.2:8080"
        },
        {
            "topology that filters the cluster set to this zone filters nothing here",
            "",
            List(Ep("10.244.1.2", "node-1", zones: "z1"), Ep("10.244.2.2", "node-2", zones: "z2")),
            "10.244.1.2:8080,10.244.2.2:8080"
        },
        {
            "internalTrafficPolicy Local uses the local set only; serving ones elsewhere still count",
            "internalTrafficPolicy: Local",
            List(Ep("10.244.1.2", "node-1"), Ep("10.244.2.2", "node-2")),
            "10.244.1.2:8080,10.244.2.2:8080"
        },
        {
            "none serving: none",
            "",
            List(Ep("10.244.1.2", "node-1", ready: false, serving: false, terminating: true)),
            ""
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryServingEndpointServes(string because, string spec, string endpoints, string expected)
    {
        var port = Assert.Single(Run(Service(spec) + Slice(endpoints)).IPv4.Services);

        Assert.True(expected == string.Join(",", port.ServingEndpoints), $"{because}: {string.Join(",", port.ServingEndpoints)}");
    }
}
