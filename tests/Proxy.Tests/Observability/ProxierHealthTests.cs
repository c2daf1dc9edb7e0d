using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Proxy.Core.Model;
using Proxy.Observability;

namespace Proxy.Tests.Observability;

/// <summary>/healthz and /livez bodies as upstream's proxy_health.go writes them, per IP family.</summary>
public sealed class ProxierHealthTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider clock = new(Start);
    private readonly ProxierHealth health;

    public ProxierHealthTests() => health = new ProxierHealth(TimeSpan.FromSeconds(60), clock);

    /// <summary>upstream's ProxyHealth JSON fields, in its order: /healthz has nodeEligible, /livez does not; status has lastUpdated and healthy per family.</summary>
    private static readonly string[] HealthzFields = ["lastUpdated", "currentTime", "nodeEligible", "healthy", "status"];
    private static readonly string[] LivezFields = ["lastUpdated", "currentTime", "healthy", "status"];
    private static readonly string[] FamilyFields = ["lastUpdated", "healthy"];

    private JsonObject Body(bool includeNode) => JsonNode.Parse(health.Report(includeNode).Body)!.AsObject();

    [Fact]
    public void TheBodiesHaveUpstreamsFieldsInUpstreamsOrderAndSpelling()
    {
        health.SetNodeEligible(true);
        health.Started([IpFamily.IPv4, IpFamily.IPv6]);
        clock.Advance(TimeSpan.FromSeconds(1.5));

        var healthz = Body(includeNode: true);
        var livez = Body(includeNode: false);

        Assert.Equal(HealthzFields, healthz.Select(p => p.Key));
        Assert.Equal(LivezFields, livez.Select(p => p.Key));
        Assert.Equal(["IPv4", "IPv6"], healthz["status"]!.AsObject().Select(p => p.Key));
        Assert.All(healthz["status"]!.AsObject(), f => Assert.Equal(FamilyFields, f.Value!.AsObject().Select(p => p.Key)));
        // Go's time.Time in JSON: RFC 3339, fraction without trailing zeros. Healthy: lastUpdated is now, as upstream.
        Assert.Equal("2025-06-01T12:00:01.5Z", healthz["currentTime"]!.GetValue<string>());
        Assert.Equal("2025-06-01T12:00:01.5Z", healthz["lastUpdated"]!.GetValue<string>());
        Assert.Equal("2025-06-01T12:00:00Z", healthz["status"]!["IPv4"]!["lastUpdated"]!.GetValue<string>());
        Assert.True(healthz["healthy"]!.GetValue<bool>());
    }

    [Fact]
    public void AFamilyWhoseQueuedUpdateIsLateIsUnhealthy_TheOtherStaysHealthy()
    {
        health.SetNodeEligible(true);
        health.Started([IpFamily.IPv4, IpFamily.IPv6]);
        clock.Advance(TimeSpan.FromSeconds(10));
        health.QueuedUpdate(IpFamily.IPv4);
        health.QueuedUpdate(IpFamily.IPv6);
        health.Updated(IpFamily.IPv6);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(health.Report(includeNode: true).Healthy);

        clock.Advance(TimeSpan.FromSeconds(1));
        var (healthy, body) = health.Report(includeNode: true);

        Assert.False(healthy);
        var json = JsonNode.Parse(body)!;
        Assert.False(json["healthy"]!.GetValue<bool>());
        Assert.False(json["status"]!["IPv4"]!["healthy"]!.GetValue<bool>());
        Assert.True(json["status"]!["IPv6"]!["healthy"]!.GetValue<bool>());
        // Unhealthy: lastUpdated is the latest family's sync, not now.
        Assert.Equal("2025-06-01T12:00:10Z", json["lastUpdated"]!.GetValue<string>());
        Assert.False(health.Report(includeNode: false).Healthy);

        health.Updated(IpFamily.IPv4);
        Assert.True(health.Report(includeNode: true).Healthy);
    }

    /// <summary>Only /healthz cares whether the node is eligible; its body's healthy is the proxy's own, as upstream's.</summary>
    [Fact]
    public void AnIneligibleNodeFailsHealthzOnly()
    {
        health.Started([IpFamily.IPv4]);

        var (healthz, body) = health.Report(includeNode: true);

        Assert.False(healthz);
        Assert.False(JsonNode.Parse(body)!["nodeEligible"]!.GetValue<bool>());
        Assert.True(JsonNode.Parse(body)!["healthy"]!.GetValue<bool>());
        Assert.True(health.Report(includeNode: false).Healthy);
    }

    /// <summary>A family no sync programs (no ip6tables, say) is forgotten, as upstream runs no proxier for it; before any family starts there is no status.</summary>
    [Fact]
    public void AForgottenFamilyIsNotJudged()
    {
        Assert.Null(Body(includeNode: false)["status"]);
        Assert.Equal("0001-01-01T00:00:00Z", Body(includeNode: true)["lastUpdated"]!.GetValue<string>());

        health.Started([IpFamily.IPv4, IpFamily.IPv6]);
        health.QueuedUpdate(IpFamily.IPv6);
        health.Forget(IpFamily.IPv6);
        clock.Advance(TimeSpan.FromMinutes(5));

        Assert.True(health.Report(includeNode: false).Healthy);
        Assert.Equal(["IPv4"], Body(includeNode: false)["status"]!.AsObject().Select(p => p.Key));
    }
}
