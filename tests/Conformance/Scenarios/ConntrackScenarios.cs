using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// The UDP blackhole, with real traffic: a client that keeps one source port and sends a datagram every 100 ms, as a
/// DNS resolver or a statsd client does, while the daemon runs over a manifests directory that is rewritten under it.
/// Each of its datagrams refreshes its conntrack flow, so a stale flow never expires on its own: the client reaches the
/// new endpoint only if the proxy deletes the flow, and it must within one sync of the change.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class ConntrackScenarios(ITestOutputHelper output)
{
    private const string ServiceIP = "10.96.0.53";
    private const int ServicePort = 53;
    private const int NodePort = 30053;
    private const int PodPort = 5353;

    /// <summary>How long the daemon may take to start and make its first sync (not a figure: startup is not measured here).</summary>
    private static readonly TimeSpan StartDeadline = TimeScale.Of(TimeSpan.FromSeconds(30));

    /// <summary>
    /// From the manifest rewrite to the first datagram answered by the new endpoint: a file event, one sync (at most
    /// --min-sync-period, 1 s, after the last), the flow deleted. Shorter than --sync-period (30 s), so the sync that
    /// does it is the change's own; a stale flow would hold forever. Here it takes about 1 s.
    /// </summary>
    private static readonly TimeSpan ChangeDeadline = TimeScale.Of(TimeSpan.FromSeconds(10));

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public Task AClientOfAUdpServiceFollowsItsReplacedEndpoint(string mode) => FollowsReplacedEndpointAsync(mode, external: false);

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public Task AnExternalClientOfAUdpNodePortFollowsItsReplacedEndpoint(string mode) => FollowsReplacedEndpointAsync(mode, external: true);

    [Theory]
    [MemberData(nameof(ProxyModes.All), MemberType = typeof(ProxyModes))]
    public async Task AClientOfAUdpServiceWithNoEndpointsReachesItsFirstOne(string mode)
    {
        await using var topology = await CreateAsync();
        using var manifests = new Manifests();
        await AddDnsPodAsync(topology, "dns1", "10.244.1.2");
        await topology.AddPodAsync("client", "10.244.1.20");
        manifests.Write("dns.yaml", Dns([]));

        // The client starts before the service has any rule: its flow is routed out of the node, un-NATed, and stays
        // so (its reply would come from the service address itself), as on a node where a pod sends before the proxy
        // has programmed a new service.
        await using var client = SteadyClient.Start(topology.Pod("client"), ServiceIP, ServicePort);
        await AssertFlowAsync(topology, client, repliedBy: ServiceIP);
        await WithProxyAsync(topology, manifests, mode, async () =>
        {
            // No endpoints: the proxy rejects the client's datagrams, once its first sync is in.
            await client.RefusedAsync(StartDeadline);

            var rewritten = DateTimeOffset.UtcNow;
            manifests.Write("dns.yaml", Dns(["10.244.1.2"]));

            await ReachedWithinAsync(client, "dns1", rewritten);
        });
    }

    /// <summary>A client pod of the cluster IP, or the external client of the node port, while the service's endpoint is replaced.</summary>
    private async Task FollowsReplacedEndpointAsync(string mode, bool external)
    {
        await using var topology = await CreateAsync();
        using var manifests = new Manifests();
        await AddDnsPodAsync(topology, "dns1", "10.244.1.2");
        await AddDnsPodAsync(topology, "dns2", "10.244.1.3");
        if (!external)
        {
            await topology.AddPodAsync("client", "10.244.1.20");
        }
        var (from, ip, port) = external ? (topology.Client, Topology.NodeIP, NodePort) : (topology.Pod("client"), ServiceIP, ServicePort);
        manifests.Write("dns.yaml", Dns(["10.244.1.2"]));

        await WithProxyAsync(topology, manifests, mode, async () =>
        {
            await RulesInAsync(from, ip, port, "dns1");
            await using var client = SteadyClient.Start(from, ip, port);
            await client.AnsweredByAsync("dns1", client.Started, StartDeadline);
            // Its flow is DNATed to dns1: the one the change must not leave behind.
            await AssertFlowAsync(topology, client, repliedBy: "10.244.1.2");

            await ReplaceAsync(topology, manifests, "dns1", Dns(["10.244.1.3"]), client, "dns2");
        });
    }

    /// <summary>
    /// The old pod goes (its network with it, as a deleted pod's does) and the manifest names the new one; the client's
    /// next answers come from the new one within a sync, and keep coming from it.
    /// </summary>
    private async Task ReplaceAsync(Topology topology, Manifests manifests, string oldPod, string yaml, SteadyClient client, string newPod)
    {
        await Shell.CheckedAsync("ip", "-n", topology.Pod(oldPod), "link", "set", "eth0", "down");
        var rewritten = DateTimeOffset.UtcNow;
        manifests.Write("dns.yaml", yaml);

        await ReachedWithinAsync(client, newPod, rewritten);
        var settled = DateTimeOffset.UtcNow;
        await client.AnsweredByAsync(newPod, settled.AddMilliseconds(500), ChangeDeadline);
        Assert.All(client.AnswersSince(settled), a => Assert.Equal(newPod, a.Pod));
    }

    /// <summary>
    /// Waits for the daemon's first sync, one probe (a new socket, so a new flow) at a time, so that the steady client
    /// starts on a flow the rules made: what follows then tests the change, not the start.
    /// </summary>
    private static async Task RulesInAsync(string from, string ip, int port, string pod)
    {
        var clock = Stopwatch.StartNew();
        ProbeResult? last = null;
        while (clock.Elapsed < StartDeadline)
        {
            last = await Topology.ProbeAsync(from, ip, port, "udp");
            if (last.Pod == pod)
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"{ip}:{port} never answered from {pod} within {StartDeadline.TotalSeconds:F0} s; last: {last}");
    }

    private async Task ReachedWithinAsync(SteadyClient client, string pod, DateTimeOffset rewritten)
    {
        var reached = await client.AnsweredByAsync(pod, rewritten, ChangeDeadline);
        // What was measured: the manifest rewrite to the first datagram the new endpoint answered (file event, sync, delete).
        output.WriteLine($"{pod} answered {(reached - rewritten).TotalMilliseconds:F0} ms after the manifest was rewritten");
    }

    private static async Task<Topology> CreateAsync()
    {
        var topology = await Topology.CreateAsync();
        try
        {
            foreach (var tool in new[] { "conntrack", "nft" })
            {
                if ((await Shell.RunAsync("sh", ["-c", $"command -v {tool}"])).ExitCode != 0)
                {
                    Prerequisites.Unmet($"missing tool: {tool} (apt-get install conntrack nftables)");
                }
            }
            // A real node tracks connections before any proxy rule exists (kubelet's and the CNI's rules need
            // conntrack); a fresh namespace does not until a rule asks, so one does.
            await Shell.RunAsync("ip", ["netns", "exec", topology.Node, "nft", "-f", "-"], stdin:
                "table inet node-firewall {\n chain forward {\n  type filter hook forward priority 10;\n  ct state invalid counter\n }\n}\n");
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private static async Task AddDnsPodAsync(Topology topology, string pod, string ip)
    {
        await topology.AddPodAsync(pod, ip);
        await topology.StartServerAsync(pod, PodPort, "udp");
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> while the daemon runs over the manifests in <paramref name="mode"/> (syncing a
    /// change at most 1 s, upstream's default --min-sync-period, after the last), and checks it is still running.
    /// </summary>
    private static async Task WithProxyAsync(Topology topology, Manifests manifests, string mode, Func<Task> scenario)
    {
        using var proxy = topology.StartProxy("--manifests", manifests.Directory, "--proxy-mode", mode,
            "--cluster-cidr", Topology.ClusterCidr, "--hostname-override", "node-1");
        try
        {
            await scenario();
            Assert.False(proxy.HasExited, "the daemon exited");
        }
        finally
        {
            if (!proxy.HasExited)
            {
                proxy.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The client's flow in the node's conntrack table is answered by <paramref name="repliedBy"/> (the conntrack tool's --reply-src).</summary>
    private static async Task AssertFlowAsync(Topology topology, SteadyClient client, string repliedBy)
    {
        var clock = Stopwatch.StartNew();
        var port = client.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Shell.Result? listed = null;
        while (clock.Elapsed < StartDeadline)
        {
            listed = await Shell.RunAsync("ip", ["netns", "exec", topology.Node, "conntrack", "-L", "-p", "udp", "--orig-port-src", port, "--reply-src", repliedBy]);
            if (listed.Stdout.Contains($"sport={port}", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var all = await Shell.RunAsync("ip", ["netns", "exec", topology.Node, "conntrack", "-L", "-p", "udp"]);
        Assert.Fail($"no flow of the client's port {port} answered by {repliedBy} ({listed}); the node's UDP flows:\n{all.Stdout}");
    }

    /// <summary>UDP service dns (10.96.0.53:53 → 5353, node port 30053) with <paramref name="endpoints"/>, all on this node.</summary>
    private static string Dns(string[] endpoints) => Manifests.Service("dns", ServiceIP, ServicePort, PodPort, endpoints, nodePort: NodePort, protocol: "UDP");

    /// <summary>
    /// One UDP socket in a namespace, bound once (so every datagram has the same source port) and connected, sending a
    /// datagram every 100 ms and keeping every answer, and every refusal the kernel reports for it (ICMP port
    /// unreachable, as a REJECT rule sends), with the time it came.
    /// </summary>
    private sealed class SteadyClient : IAsyncDisposable
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
        private readonly Socket socket;
        private readonly CancellationTokenSource stop = new();
        private readonly List<(DateTimeOffset At, string Pod)> answers = [];
        private readonly List<DateTimeOffset> refusals = [];
        private readonly Task sending;
        private readonly Task receiving;

        private SteadyClient(Socket socket)
        {
            this.socket = socket;
            Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            sending = SendAsync(stop.Token);
            receiving = ReceiveAsync(stop.Token);
        }

        public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

        public int Port { get; }

        public static SteadyClient Start(string netns, string ip, int port)
        {
            var socket = NamespacedSocket.Open(netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, 0));
            socket.Connect(new IPEndPoint(IPAddress.Parse(ip), port));
            return new SteadyClient(socket);
        }

        /// <summary>When <paramref name="pod"/> first answered at or after <paramref name="since"/>; fails the test after <paramref name="deadline"/>.</summary>
        public async Task<DateTimeOffset> AnsweredByAsync(string pod, DateTimeOffset since, TimeSpan deadline)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < deadline)
            {
                lock (answers)
                {
                    if (answers.FirstOrDefault(a => a.Pod == pod && a.At >= since) is { Pod: not null } found)
                    {
                        return found.At;
                    }
                }
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            Assert.Fail($"no answer from {pod} within {deadline.TotalSeconds:F0} s; {Describe(since)}");
            return default;
        }

        public IReadOnlyList<(DateTimeOffset At, string Pod)> AnswersSince(DateTimeOffset since)
        {
            lock (answers)
            {
                return [.. answers.Where(a => a.At >= since)];
            }
        }

        /// <summary>Waits for a refusal that came after the client started.</summary>
        public async Task RefusedAsync(TimeSpan deadline)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < deadline)
            {
                lock (answers)
                {
                    if (refusals.Count > 0)
                    {
                        return;
                    }
                }
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            Assert.Fail($"never refused within {deadline.TotalSeconds:F0} s; {Describe(Started)}");
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            socket.Dispose();
            await Task.WhenAll(sending, receiving);
            stop.Dispose();
        }

        private string Describe(DateTimeOffset since)
        {
            lock (answers)
            {
                var got = answers.Where(a => a.At >= since).GroupBy(a => a.Pod).Select(g => $"{g.Count()} from {g.Key}");
                return $"since then: {string.Join(", ", got.DefaultIfEmpty("no answer"))}, {refusals.Count(r => r >= since)} refusals";
            }
        }

        private async Task SendAsync(CancellationToken cancellationToken)
        {
            var ping = "ping\n"u8.ToArray();
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await socket.SendAsync(ping, SocketFlags.None, cancellationToken);
                }
                catch (SocketException)
                {
                    // A refusal reported on the send instead of the receive: the next datagram goes anyway.
                    Refused();
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    await Task.Delay(Interval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task ReceiveAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[2048];
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                    var words = Encoding.ASCII.GetString(buffer, 0, read).Trim().Split(' ');
                    lock (answers)
                    {
                        answers.Add((DateTimeOffset.UtcNow, words[0]));
                    }
                }
                catch (SocketException)
                {
                    Refused();
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        private void Refused()
        {
            lock (answers)
            {
                refusals.Add(DateTimeOffset.UtcNow);
            }
        }
    }
}
