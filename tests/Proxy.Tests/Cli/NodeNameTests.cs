using System.Net;
using System.Net.Sockets;
using Proxy.Cli;

namespace Proxy.Tests.Cli;

public class NodeNameTests
{
    [Theory]
    [InlineData(null, "Worker-3.Cluster.Example", "worker-3.cluster.example")]
    [InlineData("", "worker-3.cluster.example\n", "worker-3.cluster.example")]
    [InlineData("Node-1.Example.COM", "ignored", "node-1.example.com")]
    [InlineData("  NODE-2 ", "ignored", "node-2")]
    public void TheFullHostNameOrTheOverride_TrimmedAndLowercasedAsUpstream(string? hostnameOverride, string hostName, string expected) =>
        Assert.Equal((expected, null), NodeName.Resolve(hostnameOverride, () => hostName));

    [Fact]
    public void ABlankOverrideIsAnError() =>
        Assert.Equal((null, "--hostname-override is blank"), NodeName.Resolve("   ", () => "host"));

    [Fact]
    public void AnEmptyHostNameIsAnErrorThatPointsAtTheOverride() =>
        Assert.Equal((null, "the host name is empty; give --hostname-override"), NodeName.Resolve(null, () => " "));

    [Fact]
    public void AHostNameThatCannotBeReadIsAnError() =>
        Assert.StartsWith("cannot determine the host name", NodeName.Resolve(null, () => throw new SocketException()).Error);

    [Fact]
    public void WithoutAnOverrideItIsTheKernelsHostName_NotMachineNameCutAtTheFirstDot() =>
        Assert.Equal(Dns.GetHostName().Trim().ToLowerInvariant(), NodeName.Resolve(null).Name);
}
