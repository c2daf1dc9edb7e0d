using System.Collections.Immutable;
using Proxy.Core.Backends;
using Proxy.Core.Model;

namespace Proxy.Core.Tests.Backends;

public class SyncResultTests
{
    private static SyncResult Sample() => new(true, 2, 2, 40)
    {
        Families = EquatableArray.Create(
            new FamilySync(IpFamily.IPv4, Full: true) { RulesByTable = new Dictionary<string, int> { ["filter"] = 3, ["nat"] = 30 }.ToImmutableDictionary() },
            new FamilySync(IpFamily.IPv6, Full: false)),
    };

    [Fact]
    public void ResultsWithTheSameFamiliesAreEqual_WhateverOrderTheTablesWereCountedIn()
    {
        var a = Sample();
        var v4 = a.Families[0] with { RulesByTable = new Dictionary<string, int> { ["nat"] = 30, ["filter"] = 3 }.ToImmutableDictionary() };
        var b = a with { Families = EquatableArray.Create(v4, a.Families[1] with { }) };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a with { Families = EquatableArray.Create(a.Families[0]) });
        Assert.NotEqual(a, a with { Families = EquatableArray.Create(a.Families[0], a.Families[1] with { Full = true }) });
    }

    [Fact]
    public void AFailureTakesTheFamilyItHappenedIn_OnceAndKeepingWhatItSays()
    {
        var root = new InvalidOperationException("EPERM");
        var failure = new ProxySyncException("ipset restore exited 1", root) { PartialSync = true };

        var inV6 = failure.InFamily(IpFamily.IPv6);

        Assert.Equal(IpFamily.IPv6, inV6.Family);
        Assert.Equal(failure.Message, inV6.Message);
        Assert.True(inV6.PartialSync);
        Assert.Same(failure, inV6.InnerException);
        Assert.Same(inV6, inV6.InFamily(IpFamily.IPv4));
        Assert.Null(failure.Family);
    }
}
