namespace Proxy.Netlink.Nftables;

/// <summary>One set or map element: its key bytes (a concatenation already laid out in 4-byte slots), what it maps to, its comment.</summary>
public sealed record SetElement(byte[] Key, SetElementData? Data = null, string? Comment = null);
