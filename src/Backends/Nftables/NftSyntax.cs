using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>How one family's table spells addresses and this node's matches (its local-traffic detector, the mark).</summary>
internal sealed class NftSyntax
{
    private readonly LocalTrafficDetector? detector;

    public NftSyntax(IpFamily family, LocalTrafficDetector? detector, string mark)
    {
        var v4 = family == IpFamily.IPv4;
        Family = v4 ? "ip" : "ip6";
        AddrType = v4 ? "ipv4_addr" : "ipv6_addr";
        Loopback = v4 ? "127.0.0.0/8" : "::1";
        this.detector = detector;
        Mark = mark;
        IsIPv6 = !v4;
    }

    /// <summary>The table family, which is also the address keyword: <c>ip</c> or <c>ip6</c>.</summary>
    public string Family { get; }

    public string AddrType { get; }

    /// <summary>What node ports never answer on: nftables mode has no localhost node ports (upstream excludes them).</summary>
    public string Loopback { get; }

    public string Mark { get; }

    public bool IsIPv6 { get; }

    public bool HasDetector => detector is not null;

    /// <summary>The key of an address destination, read from the packet.</summary>
    public string AddressKey => $"{Family} daddr . meta l4proto . th dport";

    public string KeyOf(Destination destination) => destination == Destination.Address ? AddressKey : "meta l4proto . th dport";

    /// <summary>Matches traffic from this node's pods (or, negated, any other), as the detector tells; null without one.</summary>
    public string? LocalTraffic(bool negate) => detector switch
    {
        { Cidr: { } cidr } => $"{Family} saddr {(negate ? "!= " : "")}{cidr}",
        { Interface: { } name } => $"iifname {(negate ? "!= " : "")}\"{name}{(detector.IsPrefix ? "*" : "")}\"",
        _ => null,
    };

    /// <summary>The rule that marks a route's traffic for masquerading, or null when it keeps its source.</summary>
    public string? MasqueradeRule(MasqueradeRule masquerade) => masquerade switch
    {
        Core.Model.MasqueradeRule.All => $"jump {NftNames.MarkForMasquerade}",
        Core.Model.MasqueradeRule.OffCluster when detector is not null => $"{LocalTraffic(negate: true)} jump {NftNames.MarkForMasquerade}",
        _ => null,
    };

    /// <summary>An endpoint as a map value: <c>addr . port</c>.</summary>
    public static string Value(Endpoint endpoint) => $"{endpoint.Address} . {endpoint.Port}";

    /// <summary>An endpoint as a DNAT target: <c>addr:port</c>, <c>[addr]:port</c> in IPv6.</summary>
    public string DnatTarget(Endpoint endpoint) => IsIPv6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";
}
