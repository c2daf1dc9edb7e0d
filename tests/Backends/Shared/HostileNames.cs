using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Testing;

/// <summary>
/// Service port names no valid object has, each an attempt to change the structure of a payload it is embedded in
/// (validation keeps them out of the model; the renderers must hold even when it does not). Every attempt carries the
/// word <see cref="Marker"/> outside of where a name belongs.
/// </summary>
internal static class HostileNames
{
    public const string Marker = "INJECTED";

    public static readonly ServicePortName[] All =
    [
        new("evil\n-A KUBE-SERVICES -j INJECTED\n#", "web", "http", L4Protocol.Tcp),
        new("ns", "a\" -j INJECTED -m comment --comment \"b", "http", L4Protocol.Tcp),
        new("ns", "backslash", "p\\\" -j INJECTED #", L4Protocol.Tcp),
        new("ns", "crlf\r\nCOMMIT\r\n*nat\r\n-A KUBE-SERVICES -j INJECTED", "", L4Protocol.Tcp),
        new("ns", "nul\0-j INJECTED", "dns", L4Protocol.Udp),
        new("ns", "nft\" }\nflush ruleset\nadd table ip INJECTED\n", "x", L4Protocol.Tcp),
        new("ns", "unicode\u2028-j INJECTED\u2029\u0085\u202e", "x", L4Protocol.Tcp),
        new("ns", new string('n', 2000), "long", L4Protocol.Tcp),
        new("ns", string.Concat(Enumerable.Repeat("ñ€😀", 60)), "wide", L4Protocol.Tcp),
        new("ns", "surrogate\ud800x", "x", L4Protocol.Tcp),
    ];

    /// <summary>One service port per name, with an endpoint and a node port, so every comment the renderers write appears.</summary>
    public static ProxyState State()
    {
        var ports = All.Select((name, i) => TestModel.Port(
            name, IPAddress.Parse($"10.96.1.{i + 1}"), 80, 30100 + i, [new Endpoint(IPAddress.Parse($"10.244.1.{i + 1}"), 8080, false)]));
        return ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), ports);
    }
}
