using Proxy.Core.Model;
using static Proxy.Backends.Nftables.Tests.TestPorts;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>Reference counts carried from one ruleset to the next, and what happens when a previous one is used twice.</summary>
public class NftRulesetTests
{
    private static readonly NftablesOptions Options = new();

    [Fact]
    public void CountsCarriedFromThePreviousRulesetEqualCountsMadeFromScratch()
    {
        var services = Many(30);
        var before = NftRenderer.Render(States(services)[0], Options);
        services[3] = Service(3, 4, 5);
        services[4] = LocalLoadBalancer(services[4]);
        services.RemoveAt(7);

        var carried = NftRenderer.Render(States(services)[0], Options, before);
        var fresh = NftRenderer.Render(States(services)[0], Options);

        Assert.Equal(fresh.SharedElements.OrderBy(e => e.Key.Element.Key), carried.SharedElements.OrderBy(e => e.Key.Element.Key));
        Assert.Equal(fresh.GroupCounts.OrderBy(g => g.Key, StringComparer.Ordinal), carried.GroupCounts.OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal([services[3], services[4]], carried.Added.Order(Comparer<ServicePort>.Create((a, b) => a.Name.CompareTo(b.Name))));
        Assert.Equal(3, carried.Removed.Count);
    }

    [Fact]
    public void APreviousRulesetHandsItsSharedCountsOnOnce_ASecondRulesetFromItCountsAgain()
    {
        var services = Many(10);
        var before = NftRenderer.Render(States(services)[0], Options);
        services[2] = Service(2, 7);

        var first = NftRenderer.Render(States(services)[0], Options, before);
        var second = NftRenderer.Render(States(services)[0], Options, before);

        Assert.Throws<InvalidOperationException>(() => before.SharedElements);
        Assert.Equal(first.SharedElements.OrderBy(e => e.Key.Element.Key), second.SharedElements.OrderBy(e => e.Key.Element.Key));
        Assert.Equal(NftPlanner.Partial(first, before)!.ToString(), NftPlanner.Partial(second, before)!.ToString());
    }

    [Fact]
    public void ARulesetDoesNotKeepTheOnesBeforeIt_ADaemonSyncingForHoursHoldsOnlyTheLast()
    {
        var services = Many(10);
        var (last, first) = BuildAChainOfRulesets(services, length: 5);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(first.TryGetTarget(out _), "the first ruleset is still reachable from the last one");
        GC.KeepAlive(last);
    }

    /// <summary>Not inlined: no local of this frame may keep the first ruleset alive while the test collects.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (NftRuleset Last, WeakReference<NftRuleset> First) BuildAChainOfRulesets(List<ServicePort> services, int length)
    {
        var ruleset = NftRenderer.Render(States(services)[0], Options);
        var first = new WeakReference<NftRuleset>(ruleset);
        for (var i = 1; i < length; i++)
        {
            services[i] = Service(i, 7 + i);
            var next = NftRenderer.Render(States(services)[0], Options, ruleset);
            Assert.Single(NftRuleset.Changes(next, ruleset).Added);
            ruleset = next;
        }
        return (ruleset, first);
    }
}
