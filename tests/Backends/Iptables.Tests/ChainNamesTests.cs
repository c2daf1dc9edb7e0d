using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

public class ChainNamesTests
{
    [Theory]
    // Vectors from upstream kube-proxy's proxier_test.go and its documentation.
    [InlineData("ns1", "svc1", "p80", L4Protocol.Tcp, "KUBE-SVC-XPGD46QRK7WJZT7O")]
    [InlineData("default", "web", "http", L4Protocol.Tcp, "KUBE-SVC-CDGGSHYLG3RE2FKL")]
    [InlineData("kube-system", "kube-dns", "dns", L4Protocol.Udp, "KUBE-SVC-TCOU7JCQXEZGVUNU")]
    public void ServiceChainsHashLikeUpstream(string ns, string name, string port, L4Protocol protocol, string expected) =>
        Assert.Equal(expected, ChainNames.Service(new ServicePortName(ns, name, port, protocol)));

    [Fact]
    public void EndpointChainsHashTheEndpointToo()
    {
        var name = new ServicePortName("ns1", "svc1", "p80", L4Protocol.Tcp);

        Assert.Equal("KUBE-SEP-SXIVWICOYRO3J4NJ", ChainNames.Endpoint(name, new Endpoint(IPAddress.Parse("10.180.0.1"), 80, false)));
    }

    [Fact]
    public void ExternalChainsShareTheServiceHash() =>
        Assert.Equal("KUBE-EXT-XPGD46QRK7WJZT7O", ChainNames.External(new ServicePortName("ns1", "svc1", "p80", L4Protocol.Tcp)));

    [Fact]
    public void GeneratedNamesFitIptablesLimitOf28Characters()
    {
        var name = new ServicePortName(new string('n', 63), new string('s', 63), new string('p', 15), L4Protocol.Sctp);
        var endpoint = new Endpoint(IPAddress.Parse("fd00:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535, false);

        Assert.All([ChainNames.Service(name), ChainNames.External(name), ChainNames.Endpoint(name, endpoint)], c => Assert.Equal(25, c.Length));
    }
}
