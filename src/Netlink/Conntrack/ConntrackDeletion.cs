namespace Proxy.Netlink.Conntrack;

/// <summary>
/// What a batch of deletes did: <see cref="Deleted"/> flows removed, <see cref="AlreadyGone"/> ones the kernel no longer
/// had (they expired or were replaced between the dump and the delete: not an error), and the first refusal of any
/// other kind, naming its flow (every flow is still tried after it).
/// </summary>
public sealed record ConntrackDeletion(int Deleted, int AlreadyGone, NetlinkException? FirstError);
