using System.Net.Sockets;

namespace Proxy.Netlink.Conntrack;

/// <summary>
/// <see cref="IConntrackTable"/> over ctnetlink (NETLINK_NETFILTER), as vishvananda/netlink does for upstream: no
/// conntrack process. Each call opens its own socket, so a dump abandoned part-way (a receive timeout) leaves nothing
/// for the next call to trip over; opening one costs microseconds, and a call happens only after a sync that needs it.
/// </summary>
public sealed class ConntrackNetlinkClient : IConntrackTable
{
    /// <summary>Upstream's MaxAttemptsEINTR (pkg/proxy/util): a dump the kernel interrupts is retried this many times, then used as it is.</summary>
    private const int DumpAttempts = 5;

    private bool kernelFilters = true;

    /// <summary>
    /// Whether dumps still ask the kernel to filter by protocol (CTA_FILTER). Cleared for good when the kernel refuses
    /// the filter (a kernel that knows CTA_FILTER but not the flag); a kernel older than 5.8 ignores it silently,
    /// which the client-side filter covers.
    /// </summary>
    public bool KernelFilters => kernelFilters;

    public ConntrackListing List(AddressFamily family, ProtocolType protocol)
    {
        List<ConntrackFlow> flows = [];
        for (var attempt = 1; attempt <= DumpAttempts; attempt++)
        {
            flows = [];
            var interrupted = false;
            try
            {
                using var socket = new NetlinkSocket(NetlinkProtocol.Netfilter);
                var sequence = socket.NextSequence();
                socket.Dump(ConntrackMessages.Dump(sequence, family, protocol, kernelFilters), sequence, reply =>
                {
                    interrupted |= ConntrackDumps.Interrupted(reply);
                    // Always filtered here too: only a 5.8+ kernel filters by protocol, and none by anything else.
                    if (ConntrackDumps.Flow(reply) is { } flow && flow.Family == family && flow.Protocol == protocol)
                    {
                        flows.Add(flow);
                    }
                });
            }
            catch (NetlinkException e) when (kernelFilters && e.Code is NetlinkErrno.NotSupported or NetlinkErrno.InvalidArgument)
            {
                kernelFilters = false;
                attempt--;
                continue;
            }
            if (!interrupted)
            {
                return new ConntrackListing(flows, Complete: true);
            }
        }
        return new ConntrackListing(flows, Complete: false);
    }

    public ConntrackDeletion Delete(IReadOnlyList<ConntrackFlow> flows)
    {
        if (flows.Count == 0)
        {
            return new ConntrackDeletion(0, 0, null);
        }
        using var socket = new NetlinkSocket(NetlinkProtocol.Netfilter);
        var requests = flows.Select(f =>
        {
            var sequence = socket.NextSequence();
            return (sequence, ConntrackMessages.Delete(sequence, f));
        }).ToList();
        var errnos = socket.ExchangeEach(requests);
        var deleted = 0;
        var gone = 0;
        NetlinkException? first = null;
        for (var i = 0; i < errnos.Length; i++)
        {
            switch ((NetlinkErrno)errnos[i])
            {
                case NetlinkErrno.None:
                    deleted++;
                    break;
                case NetlinkErrno.NotFound:
                    gone++;
                    break;
                default:
                    first ??= new NetlinkException($"delete conntrack flow {flows[i]}", new NetlinkException(errnos[i], requests[i].sequence));
                    break;
            }
        }
        return new ConntrackDeletion(deleted, gone, first);
    }
}
