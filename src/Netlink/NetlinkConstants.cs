namespace Proxy.Netlink;

/// <summary>Values from linux/netlink.h and linux/socket.h that every netlink family shares, as the kernel defines them.</summary>
public static class NetlinkConstants
{
    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;
    public const ushort FlagRequest = 0x1;
    public const ushort FlagAck = 0x4;
    public const ushort FlagDump = 0x300;
    public const ushort FlagExclusive = 0x200;
    public const ushort FlagCreate = 0x400;

    /// <summary>NLM_F_DUMP_INTR, on a dump reply: the table changed while it was being dumped, so the dump may miss or repeat entries.</summary>
    public const ushort FlagDumpInterrupted = 0x10;

    /// <summary>NLA_F_NESTED: marks a nested attribute; the kernel's strict parsers (nla_parse_nested) refuse a nest without it.</summary>
    public const ushort AttributeNested = 0x8000;

    public const ushort AfInet = 2;
    public const ushort AfInet6 = 10;
}
