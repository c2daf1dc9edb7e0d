using System.Net;
using Proxy.Core.Model;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary><see cref="ILinkClient"/> over rtnetlink: one request per lookup or change, address changes batched.</summary>
public sealed class RouteNetlinkClient : ILinkClient, IDisposable
{
    /// <summary>ENODEV: the kernel's answer to a lookup of a link that does not exist.</summary>
    private const int NoSuchDevice = 19;

    private readonly NetlinkSocket socket = new(NetlinkProtocol.Route);

    public int? FindLink(string name)
    {
        var sequence = socket.NextSequence();
        try
        {
            var replies = socket.Exchange(RouteMessages.GetLink(sequence, name), sequence, dump: false);
            return replies.Where(r => r.Type == IpvsNetlinkConstants.RtmNewLink).Select(RouteDumps.LinkIndex).Cast<int?>().FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == NoSuchDevice)
        {
            return null;
        }
    }

    public int CreateDummy(string name)
    {
        var sequence = socket.NextSequence();
        socket.Exchange(RouteMessages.NewDummy(sequence, name), sequence, dump: false);
        return FindLink(name) ?? throw new NetlinkException($"created link {name}, but it is not there");
    }

    public void DeleteLink(int index)
    {
        var sequence = socket.NextSequence();
        socket.Exchange(RouteMessages.DeleteLink(sequence, index), sequence, dump: false);
    }

    public IReadOnlyList<LinkAddress> GetAddresses(IpFamily family)
    {
        var sequence = socket.NextSequence();
        return RouteDumps.Addresses(socket.Exchange(RouteMessages.DumpAddresses(sequence, family.ToAddressFamily()), sequence, dump: true));
    }

    public void AddAddresses(int index, IReadOnlyList<IPAddress> addresses) =>
        Batch(addresses, (s, a) => RouteMessages.NewAddress(s, index, a), "add address");

    public void DeleteAddresses(int index, IReadOnlyList<IPAddress> addresses) =>
        Batch(addresses, (s, a) => RouteMessages.DeleteAddress(s, index, a), "delete address");

    public void Dispose() => socket.Dispose();

    private void Batch(IReadOnlyList<IPAddress> addresses, Func<uint, IPAddress, byte[]> build, string verb)
    {
        var requests = addresses.Select(a =>
        {
            var sequence = socket.NextSequence();
            return (sequence, build(sequence, a));
        }).ToList();
        socket.ExchangeAll(requests, i => $"{verb} {addresses[i]}");
    }
}
