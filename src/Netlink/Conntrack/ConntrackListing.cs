namespace Proxy.Netlink.Conntrack;

/// <summary>The flows a dump found. <see cref="Complete"/> is false when the kernel kept interrupting it (the table changed under every attempt): the flows are then as far as the last attempt got.</summary>
public sealed record ConntrackListing(IReadOnlyList<ConntrackFlow> Flows, bool Complete);
