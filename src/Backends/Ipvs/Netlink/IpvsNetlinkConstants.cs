namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>
/// Values from linux/rtnetlink.h, linux/genetlink.h and linux/ip_vs.h, as the kernel defines them (the ones every
/// netlink family shares are <see cref="Proxy.Netlink.NetlinkConstants"/>).
/// </summary>
public static class IpvsNetlinkConstants
{
    // linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h: links and addresses.
    public const ushort RtmNewLink = 16;
    public const ushort RtmDelLink = 17;
    public const ushort RtmGetLink = 18;
    public const ushort RtmNewAddr = 20;
    public const ushort RtmDelAddr = 21;
    public const ushort RtmGetAddr = 22;
    public const ushort IflaIfname = 3;
    public const ushort IflaLinkinfo = 18;
    public const ushort IflaInfoKind = 1;
    public const ushort IfaAddress = 1;
    public const ushort IfaLocal = 2;

    /// <summary>IFA_F_NODAD: an IPv6 service address on a dummy device that is down must not wait for duplicate detection.</summary>
    public const byte IfaFlagNoDad = 0x02;
    public const byte AfUnspec = 0;

    // linux/genetlink.h: the controller that resolves family names to ids.
    public const ushort GenlIdCtrl = 0x10;
    public const byte CtrlCmdGetFamily = 3;
    public const ushort CtrlAttrFamilyId = 1;
    public const ushort CtrlAttrFamilyName = 2;

    // linux/ip_vs.h: the "IPVS" generic netlink family, version 1.
    public const string IpvsFamilyName = "IPVS";
    public const byte IpvsVersion = 1;
    public const byte CmdNewService = 1;
    public const byte CmdSetService = 2;
    public const byte CmdDelService = 3;
    public const byte CmdGetService = 4;
    public const byte CmdNewDest = 5;
    public const byte CmdSetDest = 6;
    public const byte CmdDelDest = 7;
    public const byte CmdGetDest = 8;
    public const byte CmdSetConfig = 12;

    public const ushort CmdAttrService = 1;
    public const ushort CmdAttrDest = 2;
    public const ushort CmdAttrTimeoutTcp = 4;
    public const ushort CmdAttrTimeoutTcpFin = 5;
    public const ushort CmdAttrTimeoutUdp = 6;

    public const ushort SvcAttrAf = 1;
    public const ushort SvcAttrProtocol = 2;
    public const ushort SvcAttrAddr = 3;
    public const ushort SvcAttrPort = 4;
    public const ushort SvcAttrFwmark = 5;
    public const ushort SvcAttrSchedName = 6;
    public const ushort SvcAttrFlags = 7;
    public const ushort SvcAttrTimeout = 8;
    public const ushort SvcAttrNetmask = 9;

    public const ushort DestAttrAddr = 1;
    public const ushort DestAttrPort = 2;
    public const ushort DestAttrFwdMethod = 3;
    public const ushort DestAttrWeight = 4;
    public const ushort DestAttrUThresh = 5;
    public const ushort DestAttrLThresh = 6;
    public const ushort DestAttrActiveConns = 7;
    public const ushort DestAttrInactConns = 8;
    public const ushort DestAttrAddrFamily = 11;

    /// <summary>IP_VS_CONN_F_MASQ: NAT forwarding, the only method kube-proxy uses.</summary>
    public const uint ForwardMasquerade = 0;
}
