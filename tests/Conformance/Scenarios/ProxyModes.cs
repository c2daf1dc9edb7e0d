namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>The modes every scenario runs in: adding a mode is one line here.</summary>
public static class ProxyModes
{
    public static TheoryData<string> All => ["iptables", "nftables"];
}
