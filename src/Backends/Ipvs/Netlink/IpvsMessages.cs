using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Proxy.Core.Model;
using Proxy.Netlink;
using static Proxy.Backends.Ipvs.Netlink.IpvsNetlinkConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>
/// Pure: the generic-netlink requests the IPVS client sends, byte for byte. Requests that change state ask for an
/// ACK (the kernel answers NLMSG_ERROR with 0, or with -errno); dumps set NLM_F_DUMP.
/// </summary>
public static class IpvsMessages
{
    /// <summary>CTRL_CMD_GETFAMILY for "IPVS": the reply carries the family id every other request is addressed to.</summary>
    public static byte[] GetFamily(uint sequence) =>
        new NetlinkWriter(GenlIdCtrl, FlagRequest | FlagAck, sequence)
            .Generic(CtrlCmdGetFamily, 1)
            .PutString(CtrlAttrFamilyName, IpvsFamilyName)
            .ToArray();

    public static byte[] NewService(ushort family, uint sequence, IpvsVirtualServer service) => Service(family, sequence, CmdNewService, service, full: true);

    public static byte[] SetService(ushort family, uint sequence, IpvsVirtualServer service) => Service(family, sequence, CmdSetService, service, full: true);

    public static byte[] DeleteService(ushort family, uint sequence, IpvsVirtualServer service) => Service(family, sequence, CmdDelService, service, full: false);

    public static byte[] NewDestination(ushort family, uint sequence, IpvsVirtualServer service, IpvsRealServer destination) =>
        Destination(family, sequence, CmdNewDest, service, destination, full: true);

    public static byte[] SetDestination(ushort family, uint sequence, IpvsVirtualServer service, IpvsRealServer destination) =>
        Destination(family, sequence, CmdSetDest, service, destination, full: true);

    public static byte[] DeleteDestination(ushort family, uint sequence, IpvsVirtualServer service, IpvsRealServer destination) =>
        Destination(family, sequence, CmdDelDest, service, destination, full: false);

    /// <summary>
    /// IPVS_CMD_SET_CONFIG with all three timeouts in seconds, as upstream's netlink library sends it (the kernel keeps
    /// the current value of any that is zero).
    /// </summary>
    public static byte[] SetTimeouts(ushort family, uint sequence, IpvsTimeouts timeouts) =>
        new NetlinkWriter(family, FlagRequest | FlagAck, sequence)
            .Generic(CmdSetConfig, IpvsVersion)
            .PutU32(CmdAttrTimeoutTcp, IpvsTimeouts.Seconds(timeouts.Tcp))
            .PutU32(CmdAttrTimeoutTcpFin, IpvsTimeouts.Seconds(timeouts.TcpFin))
            .PutU32(CmdAttrTimeoutUdp, IpvsTimeouts.Seconds(timeouts.Udp))
            .ToArray();

    /// <summary>The request for one operation (each asks for an ACK).</summary>
    public static byte[] For(ushort family, uint sequence, IpvsOperation operation) => operation.Kind switch
    {
        IpvsOperationKind.AddService => NewService(family, sequence, operation.Service),
        IpvsOperationKind.UpdateService => SetService(family, sequence, operation.Service),
        IpvsOperationKind.DeleteService => DeleteService(family, sequence, operation.Service),
        IpvsOperationKind.AddDestination => NewDestination(family, sequence, operation.Service, operation.Destination!),
        IpvsOperationKind.UpdateDestination => SetDestination(family, sequence, operation.Service, operation.Destination!),
        _ => DeleteDestination(family, sequence, operation.Service, operation.Destination!),
    };

    public static byte[] DumpServices(ushort family, uint sequence) =>
        new NetlinkWriter(family, FlagRequest | FlagDump, sequence).Generic(CmdGetService, IpvsVersion).ToArray();

    public static byte[] DumpDestinations(ushort family, uint sequence, IpvsVirtualServer service)
    {
        var writer = new NetlinkWriter(family, FlagRequest | FlagDump, sequence).Generic(CmdGetDest, IpvsVersion);
        ServiceAttribute(writer, service, full: false);
        return writer.ToArray();
    }

    private static byte[] Service(ushort family, uint sequence, byte command, IpvsVirtualServer service, bool full)
    {
        var writer = new NetlinkWriter(family, FlagRequest | FlagAck, sequence).Generic(command, IpvsVersion);
        ServiceAttribute(writer, service, full);
        return writer.ToArray();
    }

    private static byte[] Destination(ushort family, uint sequence, byte command, IpvsVirtualServer service, IpvsRealServer destination, bool full)
    {
        var writer = new NetlinkWriter(family, FlagRequest | FlagAck, sequence).Generic(command, IpvsVersion);
        ServiceAttribute(writer, service, full: false);
        writer.BeginNested(CmdAttrDest)
            .Put(DestAttrAddr, destination.Address.GetAddressBytes())
            .PutBigEndianU16(DestAttrPort, (ushort)destination.Port);
        if (full)
        {
            writer.PutU32(DestAttrFwdMethod, ForwardMasquerade)
                .PutU32(DestAttrWeight, (uint)destination.Weight)
                .PutU32(DestAttrUThresh, 0)
                .PutU32(DestAttrLThresh, 0);
        }
        writer.PutU16(DestAttrAddrFamily, AddressFamilyOf(destination.Address));
        return writer.EndNested().ToArray();
    }

    /// <summary>The nested service attribute: its identity (family, protocol, address, port), plus its settings when <paramref name="full"/>.</summary>
    private static void ServiceAttribute(NetlinkWriter writer, IpvsVirtualServer service, bool full)
    {
        writer.BeginNested(CmdAttrService)
            .PutU16(SvcAttrAf, AddressFamilyOf(service.Address))
            .PutU16(SvcAttrProtocol, ProtocolNumber(service.Protocol))
            .Put(SvcAttrAddr, service.Address.GetAddressBytes())
            .PutBigEndianU16(SvcAttrPort, (ushort)service.Port);
        if (full)
        {
            // struct ip_vs_flags { flags, mask }: the mask covers every bit, so an update also clears flags.
            var flags = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(flags, service.Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(flags.AsSpan(4), uint.MaxValue);
            writer.PutString(SvcAttrSchedName, service.Scheduler)
                .Put(SvcAttrFlags, flags)
                .PutU32(SvcAttrTimeout, service.Timeout)
                // The persistence netmask: all ones for IPv4, the prefix length 128 for IPv6 (as ipvsadm sends).
                .PutU32(SvcAttrNetmask, service.Address.AddressFamily == AddressFamily.InterNetwork ? uint.MaxValue : 128);
        }
        writer.EndNested();
    }

    /// <summary>The AF_* number of an address, as IPVS attributes carry it.</summary>
    internal static ushort AddressFamilyOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? AfInet : AfInet6;

    private static ushort ProtocolNumber(L4Protocol protocol) => protocol switch
    {
        L4Protocol.Tcp => 6,
        L4Protocol.Udp => 17,
        _ => 132,
    };
}
