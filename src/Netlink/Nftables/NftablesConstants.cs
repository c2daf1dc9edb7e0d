namespace Proxy.Netlink.Nftables;

/// <summary>Values from linux/netfilter/nfnetlink.h and linux/netfilter/nf_tables.h, as the kernel defines them.</summary>
public static class NftablesConstants
{
    /// <summary>NFNL_SUBSYS_NFTABLES: the subsystem byte of every nf_tables message type, and a batch's res_id.</summary>
    public const byte Subsystem = 10;

    public const ushort BatchBegin = 0x10;
    public const ushort BatchEnd = 0x11;

    public const byte NewSetElement = 12;
    public const byte DeleteSetElement = 14;

    public const byte NfnetlinkVersion = 0;

    // enum nft_set_elem_list_attributes
    public const ushort ListTable = 1;
    public const ushort ListSet = 2;
    public const ushort ListElements = 3;

    /// <summary>NFTA_LIST_ELEM: one element inside NFTA_SET_ELEM_LIST_ELEMENTS.</summary>
    public const ushort ListElement = 1;

    // enum nft_set_elem_attributes
    public const ushort ElementKey = 1;
    public const ushort ElementData = 2;
    public const ushort ElementUserData = 6;

    // enum nft_data_attributes
    public const ushort DataValue = 1;
    public const ushort DataVerdict = 2;

    // enum nft_verdict_attributes
    public const ushort VerdictCode = 1;
    public const ushort VerdictChain = 2;

    /// <summary>NFTNL_UDATA_SET_ELEM_COMMENT: the type of an element comment in its user data (libnftnl's TLV: type byte, length byte, value).</summary>
    public const byte UserDataComment = 0;
}
