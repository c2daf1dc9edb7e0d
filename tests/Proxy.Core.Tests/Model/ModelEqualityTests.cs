using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Core.Tests.Model;

public class ModelEqualityTests
{
    private static ServicePort Sample() => new(
        new ServicePortName("ns1", "svc1", "p80", L4Protocol.Tcp),
        IPAddress.Parse("10.96.0.10"),
        80,
        0,
        EquatableArray.Create(
            new Endpoint(IPAddress.Parse("10.244.1.2"), 8080, false),
            new Endpoint(IPAddress.Parse("10.244.1.3"), 8080, true)));

    [Fact]
    public void ClonesWithTheSameContentAreEqual()
    {
        var a = Sample();
        var b = a with { Endpoints = a.Endpoints.ToArray().ToEquatableArray() };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotSame(a, b);
    }

    [Fact]
    public void ADifferentEndpointListMakesThemDifferent()
    {
        var a = Sample();
        var b = a with { Endpoints = EquatableArray.Create(a.Endpoints[0]) };

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void StatesCompareByTheirServices()
    {
        var a = ProxyState.Create(IpFamily.IPv4, MasqueradePolicy.None, [Sample()]);
        var b = ProxyState.Create(IpFamily.IPv4, MasqueradePolicy.None, [Sample()]);
        var c = b with { Services = EquatableArray<ServicePort>.Empty };

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void CreateSortsServicesOrdinally()
    {
        var first = Sample() with { Name = new ServicePortName("a", "z", "", L4Protocol.Udp) };
        var second = Sample() with { Name = new ServicePortName("b", "a", "", L4Protocol.Tcp) };

        var state = ProxyState.Create(IpFamily.IPv4, MasqueradePolicy.None, [second, Sample(), first]);

        Assert.Equal(["a/z", "b/a", "ns1/svc1:p80"], state.Services.Select(s => s.Name.ToString()));
    }

    [Theory]
    [InlineData("ns", "svc", "", "ns/svc")]
    [InlineData("ns", "svc", "http", "ns/svc:http")]
    public void ServicePortNamePrintsLikeUpstream(string ns, string name, string port, string expected) =>
        Assert.Equal(expected, new ServicePortName(ns, name, port, L4Protocol.Tcp).ToString());

    [Fact]
    public void Ipv6EndpointsPrintWithBrackets() =>
        Assert.Equal("[fd00::1]:80", new Endpoint(IPAddress.Parse("fd00::1"), 80, false).ToString());

    [Fact]
    public void DictionariesWithTheSameEntriesAreEqualWhateverTheirOrder()
    {
        EquatableDictionary<string, string> a = ImmutableDictionary.CreateRange([KeyValuePair.Create("zone", "a"), KeyValuePair.Create("host", "n1")]);
        EquatableDictionary<string, string> b = ImmutableDictionary.CreateRange([KeyValuePair.Create("host", "n1"), KeyValuePair.Create("zone", "a")]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a == b);
        Assert.NotEqual(a, (EquatableDictionary<string, string>)b.AsImmutableDictionary().SetItem("zone", "b"));
        Assert.NotEqual(a, (EquatableDictionary<string, string>)b.AsImmutableDictionary().Remove("zone"));
        Assert.Equal(EquatableDictionary<string, string>.Empty, default);
        Assert.Equal("{host=n1, zone=a}", a.ToString());
    }

    [Fact]
    public void RecordsHoldingADictionaryCompareItsEntries()
    {
        var a = new Labelled("n1", ImmutableDictionary<string, string>.Empty.Add("zone", "a"));
        var b = a with { Labels = ImmutableDictionary<string, string>.Empty.Add("zone", "a") };

        Assert.Equal(a, b);
        Assert.NotSame(a.Labels.AsImmutableDictionary(), b.Labels.AsImmutableDictionary());
        Assert.NotEqual(a, b with { Labels = ImmutableDictionary<string, string>.Empty.Add("zone", "b") });
    }

    private sealed record Labelled(string Name, EquatableDictionary<string, string> Labels);
}
