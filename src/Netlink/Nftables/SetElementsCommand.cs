namespace Proxy.Netlink.Nftables;

/// <summary>Elements added to (<see cref="Add"/>) or deleted from one set of one table: one NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM.</summary>
public sealed record SetElementsCommand(bool Add, ushort Family, string Table, string Set, IReadOnlyList<SetElement> Elements);
