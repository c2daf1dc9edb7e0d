using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Proxy.Events;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.Events;

/// <summary>The Kubernetes event recorder through the real KubernetesClient against the fake API server, which validates events as the real one does.</summary>
public sealed class KubernetesEventRecorderTests : IAsyncDisposable
{
    private readonly FakeApiServer server = FakeApiServer.Start();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger<KubernetesEventRecorder> logs = new();
    private readonly global::k8s.Kubernetes client;

    public KubernetesEventRecorderTests() => client = new global::k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.Url.ToString() });

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    private KubernetesEventRecorder Recorder() => new(client, "node-1", clock, logs);

    [Fact]
    public async Task AnEventIsCreatedAsUpstreamsKubeProxyCreatesIt_InTheNamespaceOfWhatItIsAbout()
    {
        using var recorder = Recorder();

        recorder.Record(EventRegarding.Service("shop", "web"), EventType.Warning, "FailedToStartServiceHealthcheck", "Listen", "node node-1 failed");

        await EventuallyAsync(() => server.Events.Count == 1, "the event is created");
        var created = server.Events[0];
        Assert.Equal("events.k8s.io/v1", (string?)created["apiVersion"]);
        Assert.Equal("shop", (string?)created["metadata"]?["namespace"]);
        // upstream's name: the object's name, then the event time in nanoseconds since the epoch, in hex.
        var nanos = (clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        Assert.Equal($"web.{nanos:x}", (string?)created["metadata"]?["name"]);
        Assert.Equal(clock.GetUtcNow(), DateTimeOffset.Parse((string)created["eventTime"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("kube-proxy", (string?)created["reportingController"]);
        Assert.Equal("kube-proxy-node-1", (string?)created["reportingInstance"]);
        Assert.Equal(("Warning", "FailedToStartServiceHealthcheck", "Listen", "node node-1 failed"),
            ((string?)created["type"], (string?)created["reason"], (string?)created["action"], (string?)created["note"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Service", ["namespace"] = "shop", ["name"] = "web" }, created["regarding"]),
            created["regarding"]?.ToJsonString());
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public async Task ANoteLongerThanTheApiServerTakesIsCut()
    {
        using var recorder = Recorder();

        recorder.Record(EventRegarding.Service("default", "web"), EventType.Warning, "FailedToStartServiceHealthcheck", "Listen", new string('x', 5000));

        await EventuallyAsync(() => server.Events.Count == 1, "the event is created");
        Assert.Equal(1024, ((string?)server.Events[0]["note"])?.Length);
    }

    [Fact]
    public async Task ARefusedEventIsLoggedAndNotRetried()
    {
        server.FailEvents(403);
        using var recorder = Recorder();

        recorder.Record(EventRegarding.Service("default", "web"), EventType.Warning, "FailedToStartServiceHealthcheck", "Listen", "note");

        await EventuallyAsync(() => logs.With(651).Count == 1, "the refusal is logged");
        Assert.Contains("403", logs.With(651)[0]);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, server.EventRequests);
        Assert.Empty(server.Events);
    }

    [Fact]
    public async Task AnOverloadedApiServerIsRetriedAfterAPause()
    {
        server.FailEvents(503);
        using var recorder = Recorder();

        recorder.Record(EventRegarding.Service("default", "web"), EventType.Warning, "FailedToStartServiceHealthcheck", "Listen", "note");
        await EventuallyAsync(() => server.EventRequests == 1, "the first attempt");
        server.FailEvents(null);

        // The pause is on the fake clock, but the recorder may not have started waiting yet when the test advances it:
        // advance it until the retry happens, so the test never depends on that race.
        await EventuallyAsync(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return server.Events.Count == 1;
        }, "the retry is created");
        Assert.Equal(2, server.EventRequests);
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public async Task RecordingNeverWaitsForAnApiServerThatIsAway()
    {
        await server.StopAsync();
        using var recorder = Recorder();

        var timer = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            recorder.Record(EventRegarding.Service("default", $"web{i}"), EventType.Warning, "FailedToStartServiceHealthcheck", "Listen", "note");
        }

        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(2), $"recording took {timer.Elapsed}");
        // More than the queue holds while the first write is still trying: the excess is dropped, and said so.
        await EventuallyAsync(() => logs.With(652).Count > 0, "the excess is dropped");
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"not {what} within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
