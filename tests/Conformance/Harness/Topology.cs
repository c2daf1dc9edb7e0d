using System.Net;
using System.Net.Sockets;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// A node as the proxy sees it, built from network namespaces this test owns: a node namespace where the proxy
/// runs, one namespace per pod joined to the node by a point-to-point veth with a host route (Calico-style
/// gateway 169.254.1.1, so no bridge, no br_netfilter), and an external client on 192.0.2.0/24. Pod servers answer
/// with their name and the source address they saw; they and the probes are in-process sockets opened inside the
/// namespaces (no process per request). Disposing removes every namespace and server it made.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    public const string NodeIP = "192.0.2.1";
    public const string ClientIP = "192.0.2.2";
    public const string PodGateway = "169.254.1.1";
    public const string ClusterCidr = "10.244.0.0/16";

    private static int counter;
    private readonly string prefix = $"kpc{Environment.ProcessId % 10000}x{Interlocked.Increment(ref counter)}";
    private readonly List<string> namespaces = [];
    private readonly List<PodServer> servers = [];
    private readonly Dictionary<string, string> podNamespaces = [];

    private Topology()
    {
    }

    public string Node => prefix + "-node";

    public string Client => prefix + "-cli";

    /// <summary>The namespace of a pod by its name.</summary>
    public string Pod(string name) => podNamespaces[name];

    public static async Task<Topology> CreateAsync()
    {
        Prerequisites.Require();
        var topology = new Topology();
        try
        {
            await topology.BuildNodeAsync();
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
        return topology;
    }

    /// <summary>Adds a pod namespace with address <paramref name="ip"/> (10.244.x.y) wired to the node.</summary>
    public async Task AddPodAsync(string name, string ip)
    {
        var ns = await AddNamespaceAsync($"p{podNamespaces.Count}");
        podNamespaces[name] = ns;
        var link = $"p{podNamespaces.Count}";
        await Ip("-n", Node, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Ip("-n", ns, "addr", "add", $"{ip}/32", "dev", "eth0");
        await Ip("-n", ns, "link", "set", "eth0", "up");
        await Ip("-n", ns, "route", "add", PodGateway, "dev", "eth0", "scope", "link");
        await Ip("-n", ns, "route", "add", "default", "via", PodGateway, "dev", "eth0");
        await Ip("-n", Node, "addr", "add", $"{PodGateway}/32", "dev", link);
        await Ip("-n", Node, "link", "set", link, "up");
        await Ip("-n", Node, "route", "add", $"{ip}/32", "dev", link);
    }

    /// <summary>Starts a server in pod <paramref name="name"/> that answers "name source-address" on each connection or datagram; returns once it listens.</summary>
    public Task StartServerAsync(string name, int port, string protocol = "tcp")
    {
        servers.Add(PodServer.Start(Pod(name), name, port, Protocol(protocol)));
        return Task.CompletedTask;
    }

    /// <summary>
    /// One connection (TCP) or request (UDP) from namespace <paramref name="from"/> to ip:port (IPv4 or IPv6). It
    /// follows the running test's cancellation rather than taking a token, so the scenarios' calls stay as they are.
    /// </summary>
    /// <param name="source">The source address (one of <paramref name="from"/>'s own), or null for the kernel's choice.</param>
    public static Task<ProbeResult> ProbeAsync(string from, string ip, int port, string protocol = "tcp", string? source = null)
    {
        var target = new IPEndPoint(IPAddress.Parse(ip), port);
        var cancellationToken = TestContext.Current.CancellationToken;
        var bind = source is null ? null : IPAddress.Parse(source);
        return Protocol(protocol) == ProtocolType.Udp
            ? Probe.UdpAsync(from, target, cancellationToken, bind)
            : Probe.TcpAsync(from, target, cancellationToken, bind);
    }

    /// <summary>Adds another address (in 192.0.2.0/24) to the external client, so it can connect from several sources.</summary>
    public Task AddClientAddressAsync(string ip) => Ip("-n", Client, "addr", "add", $"{ip}/24", "dev", "eth0");

    /// <summary>Adds another address (in 192.0.2.0/24) to the node's external interface: a second node address.</summary>
    public Task AddNodeAddressAsync(string ip) => Ip("-n", Node, "addr", "add", $"{ip}/24", "dev", "ext0");

    /// <summary>Runs kube-proxy-sharp (the apphost built next to these tests) inside the node namespace.</summary>
    public Task<Shell.Result> ProxyAsync(params string[] arguments) =>
        Shell.RunAsync("ip", ["netns", "exec", Node, Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp"), .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Starts kube-proxy-sharp as a daemon in the node namespace; the caller stops it (its pid is the proxy's: ip netns exec execs it).</summary>
    public System.Diagnostics.Process StartProxy(params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["netns", "exec", Node, Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp"), .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        var process = System.Diagnostics.Process.Start(info)!;
        // Drain its logs so a chatty daemon never blocks on a full pipe, into the test's output (shown when it fails).
        var output = TestContext.Current.TestOutputHelper;
        void Log(string? line)
        {
            try
            {
                if (line is not null)
                {
                    output?.WriteLine($"proxy: {line}");
                }
            }
            catch (InvalidOperationException)
            {
                // The test is over; its output is closed.
            }
        }
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command inside the node namespace and returns its stdout (fails the test on error).</summary>
    public Task<string> InNodeAsync(params string[] command) => Shell.CheckedAsync("ip", ["netns", "exec", Node, .. command]);

    public Task<string> SaveAsync() => InNodeAsync("iptables-save");

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var server in servers)
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        foreach (var ns in Enumerable.Reverse(namespaces))
        {
            await Shell.RunAsync("ip", ["netns", "del", ns]);
        }
        // After the namespaces are gone: a broken pod server is a harness bug worth seeing, but not worth leaking for.
        if (failures.Count > 0)
        {
            throw new AggregateException("pod servers failed", failures);
        }
    }

    private async Task BuildNodeAsync()
    {
        await AddNamespaceAsync("node");
        await InNodeAsync("sysctl", "-qw", "net.ipv4.ip_forward=1");
        await AddNamespaceAsync("cli");
        await Ip("-n", Node, "link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", Client);
        await Ip("-n", Node, "addr", "add", $"{NodeIP}/24", "dev", "ext0");
        await Ip("-n", Node, "link", "set", "ext0", "up");
        await Ip("-n", Client, "addr", "add", $"{ClientIP}/24", "dev", "eth0");
        await Ip("-n", Client, "link", "set", "eth0", "up");
        await Ip("-n", Client, "route", "add", "default", "via", NodeIP);
        // Like a real node, service IPs without rules are routed (to the "outside"), not unreachable.
        await Ip("-n", Node, "route", "add", "default", "via", ClientIP);
    }

    private async Task<string> AddNamespaceAsync(string suffix)
    {
        var ns = $"{prefix}-{suffix}";
        await Shell.CheckedAsync("ip", "netns", "add", ns);
        namespaces.Add(ns);
        await Ip("-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    private static Task<string> Ip(params string[] arguments) => Shell.CheckedAsync("ip", arguments);

    private static ProtocolType Protocol(string protocol) => protocol switch
    {
        "tcp" => ProtocolType.Tcp,
        "udp" => ProtocolType.Udp,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "tcp or udp"),
    };
}
