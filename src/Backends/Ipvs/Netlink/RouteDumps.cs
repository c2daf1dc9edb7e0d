using System.Buffers.Binary;
using System.Net;
using Proxy.Netlink;
using static Proxy.Backends.Ipvs.Netlink.IpvsNetlinkConstants;
using static Proxy.Netlink.NetlinkConstants;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>Pure: decodes rtnetlink replies (RTM_NEWLINK for a lookup, RTM_NEWADDR for an address dump).</summary>
public static class RouteDumps
{
    /// <summary>The index in a RTM_NEWLINK reply's ifinfomsg.</summary>
    public static int LinkIndex(NetlinkReplies.Message reply) => BinaryPrimitives.ReadInt32LittleEndian(reply.Payload.Span[4..]);

    /// <summary>
    /// Addresses from RTM_NEWADDR messages. IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on point-to-point
    /// links); IPv6 sends only IFA_ADDRESS.
    /// </summary>
    public static List<LinkAddress> Addresses(IEnumerable<NetlinkReplies.Message> replies)
    {
        var result = new List<LinkAddress>();
        foreach (var reply in replies.Where(r => r.Type == RtmNewAddr))
        {
            var header = reply.Payload.Span;
            var attributes = NetlinkAttributes.Parse(reply.Payload[8..]);
            var value = attributes.TryGetValue(IfaLocal, out var local) ? local : attributes.GetValueOrDefault(IfaAddress);
            if (value.Length is not (4 or 16))
            {
                continue;
            }
            result.Add(new LinkAddress(BinaryPrimitives.ReadInt32LittleEndian(header[4..]), new IPAddress(value.Span), header[1]));
        }
        return result;
    }
}
