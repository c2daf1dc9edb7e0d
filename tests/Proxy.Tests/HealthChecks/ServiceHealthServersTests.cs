using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Proxy.Core.Model;
using Proxy.Events;
using Proxy.HealthChecks;
using Proxy.Reconciling;
using Proxy.Tests.Events;

namespace Proxy.Tests.HealthChecks;

/// <summary>The health-check node port servers over real HTTP on loopback (and, for wildcards, in a namespace of the test's own).</summary>
public sealed class ServiceHealthServersTests : IDisposable
{
    private readonly RecordingEventRecorder events = new();
    private readonly RecordingLogger<ServiceHealthServers> logs = new();
    private readonly ServiceHealthServers servers;
    private volatile bool proxyHealthy = true;

    public ServiceHealthServersTests() =>
        servers = new ServiceHealthServers("node-1", () => proxyHealthy, events, TimeProvider.System, logs);

    public void Dispose() => servers.Dispose();

    private static bool Ipv6 => Socket.OSSupportsIPv6;

    /// <summary>Node ports on the loopback address of each family the host has.</summary>
    private static Dictionary<IpFamily, NodePortAddresses> Loopbacks() =>
        Addresses(Only(IPAddress.Loopback), Ipv6 ? Only(IPAddress.IPv6Loopback) : Only());

    private static Dictionary<IpFamily, NodePortAddresses> Addresses(NodePortAddresses v4, NodePortAddresses v6) =>
        new() { [IpFamily.IPv4] = v4, [IpFamily.IPv6] = v6 };

    private static NodePortAddresses Only(params IPAddress[] addresses) => NodePortAddresses.Only(addresses, loopback: false);

    private static ServiceHealthCheck Check(string name, int port, int v4, int v6 = 0) =>
        new("default", name, port, new Dictionary<IpFamily, int> { [IpFamily.IPv4] = v4, [IpFamily.IPv6] = v6 }.ToImmutableDictionary());

    private static IPEndPoint V4(int port) => new(IPAddress.Loopback, port);

    private static IPEndPoint V6(int port) => new(IPAddress.IPv6Loopback, port);

    [Fact]
    public async Task StatusBodyAndHeadersFollowTheLocalEndpointsAndTheProxysHealth()
    {
        var port = HealthCheckClient.FreePort();

        servers.Update([Check("web", port, 2)], Loopbacks());
        var two = await HealthCheckClient.GetAsync(V4(port), "/healthz");
        Assert.Equal(200, two.Status);
        Assert.Equal("application/json", two.Header("Content-Type"));
        Assert.Equal("nosniff", two.Header("X-Content-Type-Options"));
        Assert.Equal("2", two.Header("X-Load-Balancing-Endpoint-Weight"));
        AssertBody(two, "web", 2, true);

        servers.Update([Check("web", port, 0)], Loopbacks());
        var none = await HealthCheckClient.GetAsync(V4(port), "/any/path?at=all");
        Assert.Equal(503, none.Status);
        Assert.Equal("0", none.Header("X-Load-Balancing-Endpoint-Weight"));
        AssertBody(none, "web", 0, true);

        servers.Update([Check("web", port, 1)], Loopbacks());
        Assert.Equal(200, (await HealthCheckClient.GetAsync(V4(port))).Status);

        // The proxy's own health is read at each request, not at each update.
        proxyHealthy = false;
        var unhealthy = await HealthCheckClient.GetAsync(V4(port));
        Assert.Equal(503, unhealthy.Status);
        Assert.Equal("1", unhealthy.Header("X-Load-Balancing-Endpoint-Weight"));
        AssertBody(unhealthy, "web", 1, false);
        Assert.Empty(events.Recorded);
    }

    [Fact]
    public async Task EachServiceHasAServerOfItsOwn()
    {
        var (webPort, apiPort) = (HealthCheckClient.FreePort(), HealthCheckClient.FreePort());

        servers.Update([Check("web", webPort, 1), Check("api", apiPort, 0)], Loopbacks());

        var web = await HealthCheckClient.GetAsync(V4(webPort));
        var api = await HealthCheckClient.GetAsync(V4(apiPort));
        Assert.Equal(200, web.Status);
        AssertBody(web, "web", 1, true);
        Assert.Equal(503, api.Status);
        AssertBody(api, "api", 0, true);
    }

    [Fact]
    public async Task ServersMoveWithTheirPortAndCloseWithTheirService()
    {
        var (first, second) = (HealthCheckClient.FreePort(), HealthCheckClient.FreePort());
        servers.Update([Check("web", first, 1), Check("api", second, 1)], Loopbacks());
        Assert.Equal(200, (await HealthCheckClient.GetAsync(V4(first))).Status);

        // The two services swap ports in one update: every close happens before any open.
        servers.Update([Check("web", second, 1), Check("api", first, 0)], Loopbacks());
        AssertBody(await HealthCheckClient.GetAsync(V4(second)), "web", 1, true);
        AssertBody(await HealthCheckClient.GetAsync(V4(first)), "api", 0, true);

        servers.Update([Check("api", first, 0)], Loopbacks());
        Assert.True(await HealthCheckClient.RefusedAsync(V4(second)));
        Assert.Empty(servers.Listening("default", "web"));

        servers.Update([], Loopbacks());
        Assert.True(await HealthCheckClient.RefusedAsync(V4(first)));
        Assert.Empty(events.Recorded);
    }

    [Fact]
    public async Task ServersListenOnExactlyTheNodePortAddressesAndFollowThem()
    {
        Assert.SkipUnless(Ipv6, "the host has no IPv6");
        var port = HealthCheckClient.FreePort();

        servers.Update([Check("web", port, 1, 1)], Addresses(Only(IPAddress.Loopback), Only()));
        Assert.Equal([V4(port)], servers.Listening("default", "web"));
        Assert.True(await HealthCheckClient.RefusedAsync(V6(port)));

        servers.Update([Check("web", port, 1, 1)], Addresses(Only(), Only(IPAddress.IPv6Loopback)));
        Assert.Equal([V6(port)], servers.Listening("default", "web"));
        Assert.Equal(200, (await HealthCheckClient.GetAsync(V6(port))).Status);
        Assert.True(await HealthCheckClient.RefusedAsync(V4(port)));
    }

    [Fact]
    public async Task EachFamilyAnswersWithItsOwnCount()
    {
        Assert.SkipUnless(Ipv6, "the host has no IPv6");
        var port = HealthCheckClient.FreePort();

        servers.Update([Check("web", port, v4: 2, v6: 1)], Loopbacks());
        var v4 = await HealthCheckClient.GetAsync(V4(port));
        var v6 = await HealthCheckClient.GetAsync(V6(port));
        Assert.Equal(("2", 200), (v4.Header("X-Load-Balancing-Endpoint-Weight"), v4.Status));
        Assert.Equal(("1", 200), (v6.Header("X-Load-Balancing-Endpoint-Weight"), v6.Status));

        servers.Update([Check("web", port, v4: 2, v6: 0)], Loopbacks());
        Assert.Equal(200, (await HealthCheckClient.GetAsync(V4(port))).Status);
        var gone = await HealthCheckClient.GetAsync(V6(port));
        Assert.Equal(503, gone.Status);
        AssertBody(gone, "web", 0, true);
    }

    [Fact]
    public async Task EveryLocalAddressMeansEachFamilysWildcard_EachAnsweringForItsFamily()
    {
        using var network = IsolatedNetwork.Create();
        var port = HealthCheckClient.FreePort();
        var everywhere = Addresses(NodePortAddresses.AllLocalAddresses(loopback: true), NodePortAddresses.AllLocalAddresses(loopback: false));

        network.Run(() => servers.Update([Check("web", port, v4: 3, v6: 1)], everywhere));

        Assert.Equal([new IPEndPoint(IPAddress.Any, port), new IPEndPoint(IPAddress.IPv6Any, port)], servers.Listening("default", "web"));
        var v4 = await HealthCheckClient.GetAsync(V4(port), open: network.Socket);
        var v6 = await HealthCheckClient.GetAsync(V6(port), open: network.Socket);
        AssertBody(v4, "web", 3, true);
        AssertBody(v6, "web", 1, true);
    }

    [Fact]
    public async Task ABusyPortIsLoggedRecordedOnceAndRetriedUntilItIsFree()
    {
        var (port, otherPort) = (HealthCheckClient.FreePort(), HealthCheckClient.FreePort());
        // Taken on the last address bound, so the addresses opened before it must be closed again.
        var taken = Ipv6 ? V6(port) : V4(port);
        var blocker = new Socket(taken.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        blocker.Bind(taken);
        blocker.Listen();
        try
        {
            servers.Update([Check("web", port, 1, 1), Check("other", otherPort, 1)], Loopbacks());

            Assert.Empty(servers.Listening("default", "web"));
            if (Ipv6)
            {
                Assert.True(await HealthCheckClient.RefusedAsync(V4(port)), "what was opened before the failure stays open");
            }
            Assert.Equal(200, (await HealthCheckClient.GetAsync(V4(otherPort))).Status);
            var failure = Assert.Single(logs.Entries, e => e.EventId == 602);
            Assert.Equal(LogLevel.Error, failure.Level);
            Assert.Contains($"listen tcp {taken}: bind: address already in use", failure.Message);
            var recorded = Assert.Single(events.Recorded);
            Assert.Equal(EventRegarding.Service("default", "web"), recorded.Regarding);
            Assert.Equal((EventType.Warning, "FailedToStartServiceHealthcheck", "Listen"), (recorded.Type, recorded.Reason, recorded.Action));
            Assert.Equal($"node node-1 failed to start healthcheck \"default/web\" on port {port}: listen tcp {taken}: bind: address already in use", recorded.Note);

            // Retried at the next update: still taken, so said again only at debug level.
            servers.Update([Check("web", port, 1, 1), Check("other", otherPort, 1)], Loopbacks());
            Assert.Empty(servers.Listening("default", "web"));
            Assert.Single(events.Recorded);
            Assert.Single(logs.Entries, e => e.EventId == 602);
            Assert.Equal(LogLevel.Debug, Assert.Single(logs.Entries, e => e.EventId == 603).Level);
        }
        finally
        {
            blocker.Dispose();
        }

        servers.Update([Check("web", port, 1, 1), Check("other", otherPort, 1)], Loopbacks());
        AssertBody(await HealthCheckClient.GetAsync(taken), "web", 1, true);
        Assert.Equal(LogLevel.Information, Assert.Single(logs.Entries, e => e.EventId == 604).Level);
        Assert.Single(events.Recorded);
    }

    [Fact]
    public async Task AHeadRequestGetsNoBodyAndGarbageGetsA400()
    {
        var port = HealthCheckClient.FreePort();
        servers.Update([Check("web", port, 4)], Loopbacks());

        var head = await RawAsync(V4(port), "HEAD /healthz HTTP/1.1\r\nHost: lb.example\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("X-Load-Balancing-Endpoint-Weight: 4\r\n", head);
        Assert.EndsWith("\r\n\r\n", head);

        var garbage = await RawAsync(V4(port), "\u0016\u0003\u0001 not http\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", garbage);
    }

    [Fact]
    public async Task RequestsDuringUpdatesAlwaysSeeOneWholeAnswer()
    {
        var port = HealthCheckClient.FreePort();
        servers.Update([Check("web", port, 0)], Loopbacks());
        using var done = new CancellationTokenSource();
        var updates = Task.Run(() =>
        {
            for (var i = 0; !done.IsCancellationRequested; i = (i + 1) % 4)
            {
                servers.Update([Check("web", port, i)], Loopbacks());
                Thread.Sleep(1);
            }
        }, TestContext.Current.CancellationToken);

        var answers = new List<HealthCheckClient.Answer>();
        for (var i = 0; i < 40; i++)
        {
            answers.Add(await HealthCheckClient.GetAsync(V4(port)));
        }
        await done.CancelAsync();
        await updates;

        foreach (var answer in answers)
        {
            var count = (int)JsonNode.Parse(answer.Body)!["localEndpoints"]!;
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Header("X-Load-Balancing-Endpoint-Weight"));
            Assert.Equal(count == 0 ? 503 : 200, answer.Status);
        }
        Assert.True(answers.Select(a => a.Status).Distinct().Count() == 2, "the answers should follow the updates");
    }

    [Fact]
    public async Task DisposingClosesEveryServerForGood()
    {
        var port = HealthCheckClient.FreePort();
        servers.Update([Check("web", port, 1)], Loopbacks());
        Assert.Equal(200, (await HealthCheckClient.GetAsync(V4(port))).Status);

        servers.Dispose();
        servers.Update([Check("web", port, 1)], Loopbacks());

        Assert.True(await HealthCheckClient.RefusedAsync(V4(port)));
        Assert.Empty(servers.Listening("default", "web"));
    }

    private static void AssertBody(HealthCheckClient.Answer answer, string name, int localEndpoints, bool healthy)
    {
        var body = JsonNode.Parse(answer.Body)!;
        Assert.Equal("default", (string?)body["service"]?["namespace"]);
        Assert.Equal(name, (string?)body["service"]?["name"]);
        Assert.Equal(localEndpoints, (int?)body["localEndpoints"]);
        Assert.Equal(healthy, (bool?)body["serviceProxyHealthy"]);
    }

    /// <summary>Sends <paramref name="request"/> as is and reads the whole answer, until the server closes.</summary>
    private static async Task<string> RawAsync(IPEndPoint endpoint, string request)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None, TestContext.Current.CancellationToken);
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
    }
}
