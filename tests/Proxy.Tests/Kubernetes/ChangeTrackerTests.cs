using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Proxy.Core.Model;
using Proxy.Kubernetes;

namespace Proxy.Tests.Kubernetes;

public class ChangeTrackerTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ChangeTracker tracker = new(new FakeTimeProvider(Start));

    private static V1EndpointSlice Slice(string name, string? service, string? trigger, string addressType = "IPv4") => new()
    {
        AddressType = addressType,
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "shop",
            Labels = service is null ? null : new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            Annotations = trigger is null ? null : new Dictionary<string, string> { [ChangeTracker.TriggerTimeAnnotation] = trigger },
        },
    };

    [Fact]
    public void ASliceCountsAsAChangeOfItsServicesEndpoints_EachEventCountsInTheTotal()
    {
        tracker.EndpointSliceChanged(Slice("cart-1", "cart", null), removed: false);
        tracker.EndpointSliceChanged(Slice("cart-2", "cart", null), removed: false);
        tracker.ServiceChanged(new V1Service { Metadata = new V1ObjectMeta { Name = "cart", NamespaceProperty = "shop" } });

        Assert.Equal(1, tracker.EndpointChangesPending);
        Assert.Equal(2, tracker.EndpointChangesTotal);
        Assert.Equal(1, tracker.ServiceChangesTotal);
        Assert.Equal(["shop/cart"], tracker.Take().Endpoints);
        Assert.Equal(0, tracker.EndpointChangesPending);
    }

    [Theory]
    [InlineData("2025-06-01T12:00:03Z", true)]
    [InlineData("2025-06-01T12:00:03.123456789Z", true)]
    [InlineData("2025-06-01T11:59:59Z", false)]
    [InlineData("yesterday", false)]
    public void OnlyAValidTriggerTimeFromAfterTheTrackerStartedIsKept(string trigger, bool kept)
    {
        tracker.EndpointSliceChanged(Slice("cart-1", "cart", trigger), removed: false);

        var times = tracker.Take().TriggerTimes;

        Assert.Equal(kept, times.Count == 1);
        Assert.Equal(1, tracker.EndpointChangesTotal);
    }

    [Fact]
    public void ARemovedSliceDropsItsServicesPendingTriggerTimes_AndAddsNone()
    {
        tracker.EndpointSliceChanged(Slice("cart-1", "cart", "2025-06-01T12:00:03Z"), removed: false);
        tracker.EndpointSliceChanged(Slice("web-1", "web", "2025-06-01T12:00:04Z"), removed: false);

        tracker.EndpointSliceChanged(Slice("cart-1", "cart", "2025-06-01T12:00:05Z"), removed: true);

        var taken = tracker.Take();
        Assert.Equal([(IpFamily.IPv4, "shop/web")], taken.TriggerTimes.Keys);
        Assert.Equal(["shop/cart", "shop/web"], taken.Endpoints.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TriggerTimesAreKeptPerFamilyOfTheSlice_ARemovedSliceDropsOnlyItsFamilysOnes()
    {
        tracker.EndpointSliceChanged(Slice("cart-v4", "cart", "2025-06-01T12:00:03Z"), removed: false);
        tracker.EndpointSliceChanged(Slice("cart-v6", "cart", "2025-06-01T12:00:04Z", addressType: "IPv6"), removed: false);
        tracker.EndpointSliceChanged(Slice("web-v6", "web", "2025-06-01T12:00:05Z", addressType: "IPv6"), removed: false);

        tracker.EndpointSliceChanged(Slice("cart-v6", "cart", null, addressType: "IPv6"), removed: true);

        var times = tracker.Take().TriggerTimes;
        Assert.Equal([Start.AddSeconds(3)], times[(IpFamily.IPv4, "shop/cart")]);
        Assert.Equal([Start.AddSeconds(5)], times[(IpFamily.IPv6, "shop/web")]);
        Assert.Equal(2, times.Count);
    }

    [Fact]
    public void RestoredChangesAreTakenAgainWithTheNewOnes()
    {
        tracker.EndpointSliceChanged(Slice("cart-1", "cart", "2025-06-01T12:00:03Z"), removed: false);
        var failed = tracker.Take();
        tracker.EndpointSliceChanged(Slice("cart-1", "cart", "2025-06-01T12:00:07Z"), removed: false);

        tracker.Restore(failed);

        var times = Assert.Single(tracker.Take().TriggerTimes).Value;
        Assert.Equal([Start.AddSeconds(3), Start.AddSeconds(7)], times);
    }

    [Fact]
    public void ASliceOfNoServiceOrOfFqdnAddressesIsNoChange_AsUpstream()
    {
        tracker.EndpointSliceChanged(Slice("web-fqdn", "web", null, addressType: "FQDN"), removed: false);
        tracker.EndpointSliceChanged(Slice("orphan", null, null), removed: false);

        Assert.Equal(0, tracker.EndpointChangesTotal);
        Assert.Equal(0, tracker.EndpointChangesPending);
    }
}
