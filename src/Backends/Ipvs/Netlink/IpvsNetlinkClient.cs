using Proxy.Netlink;

namespace Proxy.Backends.Ipvs.Netlink;

/// <summary>
/// <see cref="IIpvsClient"/> over generic netlink: resolves the "IPVS" family once, then sends one request per
/// operation and waits for its ACK. No ipvsadm process. A kernel without ip_vs answers the family lookup with
/// ENOENT, which surfaces as a <see cref="NetlinkException"/> from the constructor.
/// </summary>
public sealed class IpvsNetlinkClient : IIpvsClient, IDisposable
{
    private readonly NetlinkSocket socket = new(NetlinkProtocol.Generic);
    private readonly ushort family;

    public IpvsNetlinkClient()
    {
        try
        {
            var sequence = socket.NextSequence();
            var replies = socket.Exchange(IpvsMessages.GetFamily(sequence), sequence, dump: false);
            family = IpvsDumps.FamilyId(replies.Single(r => r.Type == IpvsNetlinkConstants.GenlIdCtrl));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ushort FamilyId => family;

    public IReadOnlyList<IpvsVirtualServer> GetServices()
    {
        var sequence = socket.NextSequence();
        return IpvsDumps.Services(socket.Exchange(IpvsMessages.DumpServices(family, sequence), sequence, dump: true));
    }

    public IReadOnlyList<IpvsDestinationState> GetDestinations(IpvsVirtualServer service)
    {
        var sequence = socket.NextSequence();
        return IpvsDumps.Destinations(socket.Exchange(IpvsMessages.DumpDestinations(family, sequence, service), sequence, dump: true), IpvsMessages.AddressFamilyOf(service.Address));
    }

    public void AddService(IpvsVirtualServer service) => Send(s => IpvsMessages.NewService(family, s, service));

    public void UpdateService(IpvsVirtualServer service) => Send(s => IpvsMessages.SetService(family, s, service));

    public void DeleteService(IpvsVirtualServer service) => Send(s => IpvsMessages.DeleteService(family, s, service));

    public void AddDestination(IpvsVirtualServer service, IpvsRealServer destination) => Send(s => IpvsMessages.NewDestination(family, s, service, destination));

    public void UpdateDestination(IpvsVirtualServer service, IpvsRealServer destination) => Send(s => IpvsMessages.SetDestination(family, s, service, destination));

    public void DeleteDestination(IpvsVirtualServer service, IpvsRealServer destination) => Send(s => IpvsMessages.DeleteDestination(family, s, service, destination));

    public void SetTimeouts(IpvsTimeouts timeouts) => Send(s => IpvsMessages.SetTimeouts(family, s, timeouts));

    public void Apply(IReadOnlyList<IpvsOperation> operations)
    {
        var requests = operations.Select(o =>
        {
            var sequence = socket.NextSequence();
            return (sequence, IpvsMessages.For(family, sequence, o));
        }).ToList();
        socket.ExchangeAll(requests, i => operations[i].ToString());
    }

    public void Dispose() => socket.Dispose();

    private void Send(Func<uint, byte[]> build)
    {
        var sequence = socket.NextSequence();
        socket.Exchange(build(sequence), sequence, dump: false);
    }
}
