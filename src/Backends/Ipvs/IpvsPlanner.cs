using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// Pure: desired virtual servers × what the kernel has (dumped) → ordered operations. Only virtual servers that
/// <c>owned</c> says are ours (on an address bound to kube-ipvs0, or a node port of ours on a node address) are
/// changed or deleted; foreign ones are left alone. Removed TCP real servers with connections are drained as upstream does
/// (weight 0, deleted by a later sync once they have no active and inactive connections); idle ones, and UDP and SCTP
/// ones, are deleted at once.
/// </summary>
public static class IpvsPlanner
{
    public static List<IpvsOperation> Plan(
        IReadOnlyList<IpvsDesiredService> desired,
        IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> current,
        Func<IpvsVirtualServer, bool> owned)
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
            if (existing.Scheduler != service.Scheduler || existing.Flags != service.Flags || existing.Timeout != service.Timeout)
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
        foreach (var (service, _) in current.Where(c => !wanted.Contains(Key(c.Key)) && owned(c.Key)))
        {
            operations.Add(new IpvsOperation(IpvsOperationKind.DeleteService, service));
        }
        return operations;
    }

    /// <summary>
    /// The table <paramref name="current"/> becomes once <paramref name="operations"/> are applied, for the backend's
    /// record of what it programmed: partial syncs plan against it instead of dumping the kernel.
    /// </summary>
    public static Dictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> After(
        IReadOnlyDictionary<IpvsVirtualServer, IReadOnlyList<IpvsDestinationState>> current,
        IEnumerable<IpvsOperation> operations)
    {
        var table = current.ToDictionary(c => Key(c.Key), c => (Service: c.Key, Destinations: c.Value.ToList()));
        foreach (var operation in operations)
        {
            var key = Key(operation.Service);
            switch (operation.Kind)
            {
                case IpvsOperationKind.AddService:
                    table[key] = (operation.Service, []);
                    break;
                case IpvsOperationKind.UpdateService:
                    table[key] = (operation.Service, table.TryGetValue(key, out var old) ? old.Destinations : []);
                    break;
                case IpvsOperationKind.DeleteService:
                    table.Remove(key);
                    break;
                default:
                    if (!table.TryGetValue(key, out var entry))
                    {
                        break;
                    }
                    var destination = operation.Destination!;
                    var index = entry.Destinations.FindIndex(d => d.Server.Address.Equals(destination.Address) && d.Server.Port == destination.Port);
                    if (operation.Kind == IpvsOperationKind.DeleteDestination)
                    {
                        if (index >= 0)
                        {
                            entry.Destinations.RemoveAt(index);
                        }
                    }
                    else if (index >= 0)
                    {
                        entry.Destinations[index] = entry.Destinations[index] with { Server = destination };
                    }
                    else
                    {
                        entry.Destinations.Add(new IpvsDestinationState(destination, 0, 0));
                    }
                    break;
            }
        }
        return table.Values.ToDictionary(v => v.Service, v => (IReadOnlyList<IpvsDestinationState>)v.Destinations);
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
