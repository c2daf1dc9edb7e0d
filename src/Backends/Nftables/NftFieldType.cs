namespace Proxy.Backends.Nftables;

/// <summary>One field of a set's key or a map's value that element writes can lay out, each in a 4-byte-aligned slot.</summary>
internal enum NftFieldType
{
    /// <summary>ipv4_addr, <c>ip daddr</c>: 4 bytes, network order.</summary>
    Ipv4Address,

    /// <summary>ipv6_addr, <c>ip6 daddr</c>: 16 bytes, network order.</summary>
    Ipv6Address,

    /// <summary>inet_proto, <c>meta l4proto</c>: 1 byte (tcp, udp, sctp), padded to 4.</summary>
    Protocol,

    /// <summary>inet_service, <c>th dport</c>, <c>tcp dport</c>: 2 bytes, network order, padded to 4.</summary>
    Port,

    /// <summary><c>numgen random mod N</c>: an integer below N, 4 bytes in host order.</summary>
    Index,
}
