using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// Pure: desired virtual servers × what the kernel has (dumped) → ordered operations. A virtual server is ours when
/// its address is one we own (bound to kube-ipvs0, or a node address we serve node ports on): only those are changed
/// or deleted; foreign ones are left alone. Removed TCP real servers with connections are drained as upstream does
/// (weight 0, deleted by a later sync once they have no active and inactive connections); idle ones, and UDP and SCTP
/// ones, are deleted at once.
/// </summary>
public static class IpvsPlanner
{
    public static List<IpvsOperation> Plan(
        IReadOnlyList<IpvsDesiredService> desired,
        IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> current,
        Func<IPAddress, bool> owned)
    {
        var operations = new List<IpvsOperation>();
        var byKey = current.Keys.ToDictionary(Key);
        var wanted = new HashSet<(IPAddress, L4Protocol, int)>();
        foreach (var (service, destinations) in desired)
        {
            wanted.Add(Key(service));
            if (!byKey.TryGetValue(Key(service), out var existing))
            {
                operations.Add(new IpvsOperation(IpvsOperationKind.AddService, service));
                operations.AddRange(destinations.Select(d => new IpvsOperation(IpvsOperationKind.AddDestination, service, d)));
                continue;
            }
            if (existing.Scheduler != service.Scheduler)
            {
                operations.Add(new IpvsOperation(IpvsOperationKind.UpdateService, service));
            }
            var have = current[existing].ToDictionary(d => (d.Server.Address, d.Server.Port));
            foreach (var destination in destinations)
            {
                if (!have.TryGetValue((destination.Address, destination.Port), out var state))
                {
                    operations.Add(new IpvsOperation(IpvsOperationKind.AddDestination, service, destination));
                }
                else if (state.Server.Weight != destination.Weight)
                {
                    operations.Add(new IpvsOperation(IpvsOperationKind.UpdateDestination, service, destination));
                }
            }
            var keep = destinations.Select(d => (d.Address, d.Port)).ToHashSet();
            foreach (var state in have.Values.Where(s => !keep.Contains((s.Server.Address, s.Server.Port))))
            {
                if (Retire(service, state) is { } retire)
                {
                    operations.Add(retire);
                }
            }
        }
        foreach (var (service, _) in current.Where(c => !wanted.Contains(Key(c.Key)) && owned(c.Key.Address)))
        {
            operations.Add(new IpvsOperation(IpvsOperationKind.DeleteService, service));
        }
        return operations;
    }

    /// <summary>A real server that is no longer an endpoint: remove it, or (TCP with connections) drain it; null while it drains.</summary>
    private static IpvsOperation? Retire(IpvsVirtualServer service, IpvsDestinationState state)
    {
        var idle = state.ActiveConnections == 0 && state.InactiveConnections == 0;
        if (service.Protocol != L4Protocol.Tcp || idle)
        {
            return new IpvsOperation(IpvsOperationKind.DeleteDestination, service, state.Server);
        }
        return state.Server.Weight == 0 ? null : new IpvsOperation(IpvsOperationKind.UpdateDestination, service, state.Server with { Weight = 0 });
    }

    private static (IPAddress, L4Protocol, int) Key(IpvsVirtualServer service) => (service.Address, service.Protocol, service.Port);
}
