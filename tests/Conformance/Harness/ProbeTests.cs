using System.Net;
using System.Net.Sockets;
using Proxy.Conformance.Tests.Scenarios;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// The probes and pod servers themselves, with no proxy in the way: every scenario's verdict rests on them telling an
/// answer, a refusal and silence apart, and on the source address a pod reports.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class ProbeTests
{
    [Fact]
    public async Task APodServerAnswersWithItsNameAndTheSourceItSaw()
    {
        await using var topology = await Topology.CreateAsync();
        await topology.AddPodAsync("echo", "10.244.1.2");
        await topology.StartServerAsync("echo", 8080);
        await topology.StartServerAsync("echo", 8080, "udp");

        var results = new[]
        {
            await Topology.ProbeAsync(topology.Client, "10.244.1.2", 8080),
            await Topology.ProbeAsync(topology.Client, "10.244.1.2", 8080, "udp"),
            await Topology.ProbeAsync(topology.Pod("echo"), "127.0.0.1", 8080),
            await Topology.ProbeAsync(topology.Pod("echo"), "127.0.0.1", 8080, "udp"),
        };

        Assert.All(results, r => Assert.Equal(ProbeOutcome.Answered, r.Outcome));
        Assert.All(results, r => Assert.Equal("echo", r.Pod));
        Assert.Equal([Topology.ClientIP, Topology.ClientIP, "127.0.0.1", "127.0.0.1"], results.Select(r => r.SourceSeen));
    }

    [Fact]
    public async Task NoListenerIsARefusalAtOnceForTcpAndUdp()
    {
        await using var topology = await Topology.CreateAsync();
        await topology.AddPodAsync("idle", "10.244.1.3");

        var tcp = await Topology.ProbeAsync(topology.Client, "10.244.1.3", 8080);
        var udp = await Topology.ProbeAsync(topology.Client, "10.244.1.3", 8080, "udp");

        Assert.Equal(ProbeOutcome.Refused, tcp.Outcome);
        Assert.Equal(ProbeOutcome.Refused, udp.Outcome);
        Assert.True(tcp.Elapsed < TimeSpan.FromSeconds(1), tcp.ToString());
        Assert.True(udp.Elapsed < TimeSpan.FromSeconds(1), udp.ToString());
    }

    [Fact]
    public async Task ASilentPeerTimesOutAfterTheProbeTimeout()
    {
        await using var topology = await Topology.CreateAsync();
        await topology.AddPodAsync("mute", "10.244.1.4");
        // Bound, so no port unreachable comes back, and never read: the datagram is swallowed.
        using var mute = NamespacedSocket.Open(topology.Pod("mute"), AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        mute.Bind(new IPEndPoint(IPAddress.Any, 8080));

        var result = await Topology.ProbeAsync(topology.Client, "10.244.1.4", 8080, "udp");

        Assert.Equal(ProbeOutcome.TimedOut, result.Outcome);
        // It waited for the timeout rather than giving up at once; not a tighter bound, as timers may fire a few ms
        // early by the Stopwatch and a loaded machine makes them late.
        Assert.InRange(result.Elapsed, Probe.Timeout / 2, Probe.Timeout + TimeSpan.FromSeconds(2));
    }
}
