using System.Net;
using System.Net.Sockets;
using Proxy.Backends.Testing;
using Proxy.Netlink.Conntrack;
using Proxy.Testing.FakeApi;

namespace Proxy.Netlink.Tests.Conntrack;

/// <summary>
/// The real client against the real kernel, in a network namespace this test makes: flows come from real UDP (and
/// TCP) traffic on the namespace's loopback, the client lists and deletes them, and the conntrack tool confirms what
/// the kernel holds afterwards. A fresh namespace tracks nothing until a rule needs conntrack, so the test loads one.
/// </summary>
public sealed class ConntrackNetlinkClientKernelTests : IDisposable
{
    private const int ServerPort = 7001;
    private readonly KernelNamespace ns = KernelNamespace.Create("nft", "conntrack");
    private readonly List<Socket> sockets = [];

    public void Dispose()
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
        ns.Dispose();
    }

    [Fact]
    public void FlowsOfOneFamilyAndProtocolAreListedAndOneIsDeletedByItsTuple()
    {
        TrackEverything();
        var v4Ports = NetworkNamespace.Run(ns.Name, () => new[] { Send(IPAddress.Loopback), Send(IPAddress.Loopback), Send(IPAddress.Loopback) });
        var v6Port = NetworkNamespace.Run(ns.Name, () => Send(IPAddress.IPv6Loopback));
        NetworkNamespace.Run(ns.Name, Connect);
        var client = new ConntrackNetlinkClient();

        var v4 = NetworkNamespace.Run(ns.Name, () => client.List(AddressFamily.InterNetwork, ProtocolType.Udp));
        var v6 = NetworkNamespace.Run(ns.Name, () => client.List(AddressFamily.InterNetworkV6, ProtocolType.Udp));

        Assert.True(v4.Complete);
        Assert.True(client.KernelFilters, "a 5.8+ kernel filters dumps by protocol itself");
        Assert.Equal(v4Ports.Order(), v4.Flows.Where(f => f.Original.DestinationPort == ServerPort).Select(f => (int)f.Original.SourcePort).Order());
        Assert.All(v4.Flows, f => Assert.Equal((AddressFamily.InterNetwork, ProtocolType.Udp), (f.Family, f.Protocol)));
        Assert.All(v4.Flows, f => Assert.NotNull(f.Id));
        var ours = Assert.Single(v6.Flows, f => f.Original.DestinationPort == ServerPort);
        Assert.Equal(v6Port, ours.Original.SourcePort);
        Assert.Equal(IPAddress.IPv6Loopback, ours.Reply.Source);

        var victim = v4.Flows.Single(f => f.Original.SourcePort == v4Ports[1]);
        var deletion = NetworkNamespace.Run(ns.Name, () => client.Delete([victim]));
        var again = NetworkNamespace.Run(ns.Name, () => client.Delete([victim]));

        Assert.Equal(new ConntrackDeletion(1, 0, null), deletion);
        Assert.Equal(new ConntrackDeletion(0, 1, null), again);
        var listed = ns.Exec("conntrack", null, "-L", "-p", "udp", "-f", "ipv4");
        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.DoesNotContain($"sport={v4Ports[1]} dport={ServerPort}", listed.Output);
        Assert.Contains($"sport={v4Ports[0]} dport={ServerPort}", listed.Output);
        Assert.Contains($"sport={v4Ports[2]} dport={ServerPort}", listed.Output);
        Assert.Contains($"dport={ServerPort + 1}", ns.Exec("conntrack", null, "-L", "-p", "tcp").Output);
    }

    [Fact]
    public void AFlowWhoseIdChangedIsNotDeleted()
    {
        TrackEverything();
        var port = NetworkNamespace.Run(ns.Name, () => Send(IPAddress.Loopback));
        var client = new ConntrackNetlinkClient();
        var flow = NetworkNamespace.Run(ns.Name, () => client.List(AddressFamily.InterNetwork, ProtocolType.Udp)).Flows.Single(f => f.Original.SourcePort == port);

        var deletion = NetworkNamespace.Run(ns.Name, () => client.Delete([flow with { Id = flow.Id + 1 }]));

        Assert.Equal(new ConntrackDeletion(0, 1, null), deletion);
        Assert.Contains($"sport={port} dport={ServerPort}", ns.Exec("conntrack", null, "-L", "-p", "udp").Output);
    }

    /// <summary>Loopback up and a rule that needs conntrack, so the namespace starts tracking.</summary>
    private void TrackEverything()
    {
        Assert.Equal(0, ns.Exec("ip", null, "link", "set", "lo", "up").ExitCode);
        var nft = ns.Exec("nft", "table inet kptest {\n chain out {\n  type filter hook output priority 0;\n  ct state new counter\n }\n}\n", "-f", "-");
        Assert.True(nft.ExitCode == 0, nft.Error);
    }

    /// <summary>One datagram from a new socket to the namespace's UDP server (opened on first use); returns the client's port.</summary>
    private int Send(IPAddress loopback)
    {
        if (!sockets.Any(s => s.SocketType == SocketType.Dgram && s.AddressFamily == loopback.AddressFamily && s.LocalEndPoint is IPEndPoint { Port: ServerPort }))
        {
            var server = Open(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            server.Bind(new IPEndPoint(loopback, ServerPort));
        }
        var client = Open(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(loopback, 0));
        client.SendTo("ping"u8.ToArray(), new IPEndPoint(loopback, ServerPort));
        return ((IPEndPoint)client.LocalEndPoint!).Port;
    }

    /// <summary>A TCP connection on the next port: a flow of another protocol, which a UDP listing must leave out.</summary>
    private bool Connect()
    {
        var listener = Open(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, ServerPort + 1));
        listener.Listen();
        Open(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Connect(new IPEndPoint(IPAddress.Loopback, ServerPort + 1));
        return true;
    }

    private Socket Open(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(family, type, protocol);
        sockets.Add(socket);
        return socket;
    }
}
