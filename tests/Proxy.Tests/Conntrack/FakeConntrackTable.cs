using System.Net.Sockets;
using Proxy.Netlink;
using Proxy.Netlink.Conntrack;

namespace Proxy.Tests.Conntrack;

/// <summary>
/// A conntrack table in memory, as the kernel keeps one: a listing returns the flows of one family and protocol, a
/// delete removes a flow found by family, protocol, original tuple, zone and (when given) id, and answers ENOENT, not
/// an error, for one that is not there. It can refuse: a listing (a typed errno), or the deletes of chosen flows.
/// </summary>
internal sealed class FakeConntrackTable : IConntrackTable
{
    private readonly List<ConntrackFlow> flows = [];

    /// <summary>How many listings were asked for, of which family.</summary>
    public List<AddressFamily> Listings { get; } = [];

    /// <summary>When set, a listing fails with this errno, as the kernel answers a dump it refuses.</summary>
    public NetlinkErrno? RefuseListing { get; set; }

    /// <summary>When set, a listing comes back incomplete (the dump kept being interrupted).</summary>
    public bool Interrupted { get; set; }

    /// <summary>The errno a delete of a flow is refused with (0: allowed).</summary>
    public Func<ConntrackFlow, NetlinkErrno> RefuseDelete { get; set; } = _ => NetlinkErrno.None;

    public void Add(params ConntrackFlow[] added) => flows.AddRange(added);

    /// <summary>What the table holds, as the conntrack tool would list it.</summary>
    public IReadOnlyList<string> Dump() => [.. flows.Select(f => f.ToString())];

    public ConntrackListing List(AddressFamily family, ProtocolType protocol)
    {
        Listings.Add(family);
        if (RefuseListing is { } errno)
        {
            throw new NetlinkException((int)errno, 1);
        }
        return new ConntrackListing([.. flows.Where(f => f.Family == family && f.Protocol == protocol)], !Interrupted);
    }

    public ConntrackDeletion Delete(IReadOnlyList<ConntrackFlow> deletes)
    {
        var (deleted, gone) = (0, 0);
        NetlinkException? first = null;
        foreach (var flow in deletes)
        {
            if (RefuseDelete(flow) is not NetlinkErrno.None and var errno)
            {
                first ??= new NetlinkException($"delete conntrack flow {flow}", new NetlinkException((int)errno, 1));
                continue;
            }
            var found = flows.FindIndex(f => f.Family == flow.Family && f.Protocol == flow.Protocol && f.Original == flow.Original && f.Zone == flow.Zone
                && (flow.Id is null || f.Id == flow.Id));
            if (found < 0)
            {
                gone++;
                continue;
            }
            flows.RemoveAt(found);
            deleted++;
        }
        return new ConntrackDeletion(deleted, gone, first);
    }
}
