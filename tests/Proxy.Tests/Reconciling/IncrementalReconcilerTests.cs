using System.Collections.Immutable;
using Proxy.Reconciling;
using static Proxy.Tests.Reconciling.Objects;

namespace Proxy.Tests.Reconciling;

public class IncrementalReconcilerTests
{
    private static readonly NodeContext Node = NodeContext.Named("node-1");

    private static readonly string Yaml =
        Service("a", "10.96.0.1", "[{port: 80}]") + Slice("a-1", "a", "[{port: 8080}]", "[{addresses: [10.244.1.1]}]")
        + Service("b", "10.96.0.2", "[{port: 80}]") + Slice("b-1", "b", "[{port: 8080}]", "[{addresses: [10.244.1.2]}]")
        + Service("bad", "nope", "[{port: 80}]");

    [Fact]
    public void GivesWhatThePureReconcilerGives()
    {
        var objects = FromYaml(Yaml);

        var incremental = new IncrementalReconciler().Reconcile(objects, Node, ReconcileOptions.Default);
        var pure = Reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        Assert.Equal(pure.IPv4, incremental.IPv4);
        Assert.Equal(pure.IPv6, incremental.IPv6);
        Assert.Equal(pure.Warnings, incremental.Warnings);
    }

    [Fact]
    public void UnchangedServicesKeepTheirPorts_AChangedSliceIsRecomputed()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        var changedSlice = FromYaml(Slice("b-1", "b", "[{port: 8080}]", "[{addresses: [10.244.1.3]}]")).EndpointSlices[0];
        var changed = objects with { EndpointSlices = [objects.EndpointSlices[0], changedSlice] };
        var second = reconciler.Reconcile(changed, Node, ReconcileOptions.Default);

        Assert.Same(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.NotSame(first.IPv4.Services[1], second.IPv4.Services[1]);
        Assert.Equal("10.244.1.3:8080", second.IPv4.Services[1].ClusterEndpoints[0].ToString());
        Assert.Equal(Reconciler.Reconcile(changed, Node, ReconcileOptions.Default).IPv4, second.IPv4);
        Assert.Single(second.Warnings);
    }

    [Fact]
    public void ANewNodeContextRecomputesEverything()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Node, ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, NodeContext.Named("node-2"), ReconcileOptions.Default);

        Assert.NotSame(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.Equal(first.IPv4, second.IPv4);
    }

    private static NodeContext Labelled(params (string Key, string Value)[] labels) =>
        new("node-1", labels.ToImmutableDictionary(l => l.Key, l => l.Value));

    [Fact]
    public void ALabelledNodeWithTheSameLabelsInANewDictionaryKeepsTheCache()
    {
        // The daemon builds the node context afresh at every sync, as a real cluster's Node always has labels.
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Labelled(("kubernetes.io/hostname", "node-1"), ("topology.kubernetes.io/zone", "a")), ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "a"), ("kubernetes.io/hostname", "node-1")), ReconcileOptions.Default);

        Assert.Same(first.IPv4.Services[0], second.IPv4.Services[0]);
        Assert.Same(first.IPv4.Services[1], second.IPv4.Services[1]);
    }

    [Fact]
    public void AChangedNodeLabelRecomputesEverything()
    {
        var reconciler = new IncrementalReconciler();
        var objects = FromYaml(Yaml);
        var first = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "a")), ReconcileOptions.Default);

        var second = reconciler.Reconcile(objects, Labelled(("topology.kubernetes.io/zone", "b")), ReconcileOptions.Default);

        Assert.NotSame(first.IPv4.Services[0], second.IPv4.Services[0]);
    }
}
