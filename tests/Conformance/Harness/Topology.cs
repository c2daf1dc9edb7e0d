namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// A node as the proxy sees it, built from network namespaces this test owns: a node namespace where the proxy
/// runs, one namespace per pod joined to the node by a point-to-point veth with a host route (Calico-style
/// gateway 169.254.1.1, so no bridge, no br_netfilter), and an external client on 192.0.2.0/24. Pod servers answer
/// with their name and the source address they saw. Disposing removes every namespace and process it made.
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
    private readonly List<System.Diagnostics.Process> servers = [];
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

    /// <summary>Starts a server in pod <paramref name="name"/> that answers "name source-address" on each connection or datagram.</summary>
    public async Task StartServerAsync(string name, int port, string protocol = "tcp")
    {
        var listen = protocol == "udp" ? $"UDP-RECVFROM:{port},fork,reuseaddr" : $"TCP-LISTEN:{port},fork,reuseaddr";
        var info = new System.Diagnostics.ProcessStartInfo("ip")
        {
            ArgumentList = { "netns", "exec", Pod(name), "socat", listen, $"SYSTEM:echo {name} $SOCAT_PEERADDR" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        servers.Add(System.Diagnostics.Process.Start(info)!);
        var flag = protocol == "udp" ? "-Hlun" : "-Hltn";
        for (var i = 0; i < 100; i++)
        {
            var listening = await Shell.RunAsync("ip", ["netns", "exec", Pod(name), "ss", flag, $"sport = :{port}"]);
            if (listening.Stdout.Trim().Length > 0)
            {
                return;
            }
            await Task.Delay(20);
        }
        Assert.Fail($"the {protocol} server of pod {name} is not listening on {port}");
    }

    /// <summary>One connection (TCP) or request (UDP) from namespace <paramref name="from"/> to ip:port.</summary>
    public static async Task<ProbeResult> ProbeAsync(string from, string ip, int port, string protocol = "tcp")
    {
        var target = protocol == "udp" ? $"UDP:{ip}:{port}" : $"TCP:{ip}:{port},connect-timeout=2";
        var result = await Shell.RunAsync("ip", ["netns", "exec", from, "socat", "-T", "2", "-", target], TimeSpan.FromSeconds(10), stdin: protocol == "udp" ? "ping\n" : "");
        var answer = result.Stdout.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (result.ExitCode == 0 && answer.Length == 2)
        {
            return new ProbeResult(ProbeOutcome.Answered, answer[0], answer[1], result.Elapsed, "");
        }
        var outcome = result.Stderr.Contains("Connection refused", StringComparison.Ordinal) ? ProbeOutcome.Refused : ProbeOutcome.TimedOut;
        return new ProbeResult(outcome, null, null, result.Elapsed, result.Stderr.Trim());
    }

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
        // Drain its logs so a chatty daemon never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command inside the node namespace and returns its stdout (fails the test on error).</summary>
    public Task<string> InNodeAsync(params string[] command) => Shell.CheckedAsync("ip", ["netns", "exec", Node, .. command]);

    public Task<string> SaveAsync() => InNodeAsync("iptables-save");

    public async ValueTask DisposeAsync()
    {
        foreach (var server in servers)
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
            server.Dispose();
        }
        foreach (var ns in Enumerable.Reverse(namespaces))
        {
            await Shell.RunAsync("ip", ["netns", "del", ns]);
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
}
