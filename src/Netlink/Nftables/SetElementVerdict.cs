namespace Proxy.Netlink.Nftables;

/// <summary>Verdict codes (NF_DROP, NF_ACCEPT from linux/netfilter.h; enum nft_verdicts), as NFTA_VERDICT_CODE carries them.</summary>
public enum SetElementVerdict
{
    Drop = 0,
    Accept = 1,
    Continue = -1,
    Jump = -3,
    Goto = -4,
    Return = -5,
}
