using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s.Models;
using Proxy.Testing.FakeApi;

// Usage (root): dotnet run --project bench/ApiLatency -c Release [-- CHANGES]
// Creates a network namespace, serves the fake API server inside it, runs kube-proxy-sharp there with
// --kubeconfig, then changes one EndpointSlice CHANGES times (default 20), 1.5 s apart (more than the default
// --min-sync-period, so each change is its own sync), and times each change until its DNAT rule is in the kernel.
var changes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var ns = $"kpbench{Environment.ProcessId % 100000}";
var work = Directory.CreateTempSubdirectory("kps-bench-").FullName;
Process? proxy = null;
Run("ip", "netns", "add", ns);
try
{
    Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    await using var server = FakeApiServer.Start(port => NetworkNamespace.Listen(ns, new IPEndPoint(IPAddress.Loopback, port)));
    server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
    server.Apply(new V1Service
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { ClusterIP = "10.96.0.10", Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
    });
    server.Apply(Slice(0));
    var kubeconfig = Kubeconfig.Write(Path.Combine(work, "kubeconfig"), server.Url);

    var exe = Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");
    proxy = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, exe, "--kubeconfig", kubeconfig, "--hostname-override", "node-1", "--cluster-cidr", "10.244.0.0/16"])
    {
        RedirectStandardError = true,
        RedirectStandardOutput = true,
    })!;
    proxy.ErrorDataReceived += (_, _) => { };
    proxy.BeginErrorReadLine();
    await WaitForRuleAsync(ns, "10.244.0.1:8080", TimeSpan.FromSeconds(30));

    var samples = new List<double>();
    for (var i = 1; i <= changes; i++)
    {
        await Task.Delay(1500);
        var clock = Stopwatch.StartNew();
        server.Apply(Slice(i));
        await WaitForRuleAsync(ns, $"10.244.0.{i + 1}:8080", TimeSpan.FromSeconds(30));
        samples.Add(clock.Elapsed.TotalMilliseconds);
    }
    samples.Sort();
    Console.WriteLine($"EndpointSlice change -> rule in kernel, {changes} changes: median {samples[samples.Count / 2]:F0} ms, "
        + $"min {samples[0]:F0} ms, max {samples[^1]:F0} ms (includes ~5-10 ms iptables-save polling granularity)");
}
finally
{
    if (proxy is { HasExited: false })
    {
        proxy.Kill();
        await proxy.WaitForExitAsync();
    }
    Run("ip", "netns", "del", ns);
    Directory.Delete(work, recursive: true);
}

static V1EndpointSlice Slice(int generation) => new()
{
    Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
    AddressType = "IPv4",
    Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
    Endpoints = [new V1Endpoint { Addresses = [$"10.244.0.{generation + 1}"] }],
};

static async Task WaitForRuleAsync(string ns, string destination, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < timeout)
    {
        if (Output("ip", "netns", "exec", ns, "iptables-save", "-t", "nat").Contains($"--to-destination {destination}", StringComparison.Ordinal))
        {
            return;
        }
        await Task.Delay(2);
    }
    throw new TimeoutException($"no DNAT to {destination} after {timeout}");
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}");
    }
}

static string Output(string file, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
    var text = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    return text;
}
