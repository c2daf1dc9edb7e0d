using System.Net;
using System.Text;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>
/// A stateful fake of the kernel's IPVS table with the kernel's errors (EEXIST, ESRCH, ENOENT as exceptions) and an
/// <c>ipvsadm -Ln</c>-style dump. Connection counts can be set to model real servers that are still in use.
/// </summary>
internal sealed class FakeIpvsClient : IIpvsClient
{
    private readonly Dictionary<(IPAddress, Core.Model.L4Protocol, int), (IpvsVirtualServer Service, List<IpvsDestinationState> Destinations)> table = [];

    /// <summary>Every change, in order, as ipvsadm-like lines.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Every IPVS_CMD_SET_CONFIG, in order.</summary>
    public List<IpvsTimeouts> TimeoutsSet { get; } = [];

    public void SetTimeouts(IpvsTimeouts timeouts) => TimeoutsSet.Add(timeouts);

    /// <summary>How many dump requests were made (services or destinations): partial syncs should make none.</summary>
    public int Dumps { get; private set; }

    public void SetConnections(IpvsVirtualServer service, IPAddress address, int active, int inactive)
    {
        var list = table[Key(service)].Destinations;
        var index = list.FindIndex(d => d.Server.Address.Equals(address));
        list[index] = list[index] with { ActiveConnections = active, InactiveConnections = inactive };
    }

    /// <summary>ipvsadm -C: every virtual server gone, ours and anyone else's.</summary>
    public void Clear() => table.Clear();

    public IReadOnlyList<IpvsVirtualServer> GetServices()
    {
        Dumps++;
        return [.. table.Values.Select(v => v.Service)];
    }

    public IReadOnlyList<IpvsDestinationState> GetDestinations(IpvsVirtualServer service)
    {
        Dumps++;
        return [.. Entry(service).Destinations];
    }

    public void AddService(IpvsVirtualServer service)
    {
        Log.Add($"add {service}");
        if (!table.TryAdd(Key(service), (service, [])))
        {
            throw new InvalidOperationException($"EEXIST: {service}");
        }
    }

    public void UpdateService(IpvsVirtualServer service)
    {
        Log.Add($"update {service}");
        table[Key(service)] = (service, Entry(service).Destinations);
    }

    public void DeleteService(IpvsVirtualServer service)
    {
        Log.Add($"delete {service}");
        if (!table.Remove(Key(service)))
        {
            throw new InvalidOperationException($"ESRCH: {service}");
        }
    }

    public void AddDestination(IpvsVirtualServer service, IpvsRealServer destination)
    {
        Log.Add($"add {service} -> {destination.Address}:{destination.Port}");
        var list = Entry(service).Destinations;
        if (list.Any(d => Same(d.Server, destination)))
        {
            throw new InvalidOperationException($"EEXIST: {destination}");
        }
        list.Add(new IpvsDestinationState(destination, 0, 0));
    }

    public void UpdateDestination(IpvsVirtualServer service, IpvsRealServer destination)
    {
        Log.Add($"update {service} -> {destination.Address}:{destination.Port} weight {destination.Weight}");
        var list = Entry(service).Destinations;
        var index = list.FindIndex(d => Same(d.Server, destination));
        list[index >= 0 ? index : throw new InvalidOperationException($"ENOENT: {destination}")] = list[index] with { Server = destination };
    }

    public void DeleteDestination(IpvsVirtualServer service, IpvsRealServer destination)
    {
        Log.Add($"delete {service} -> {destination.Address}:{destination.Port}");
        if (Entry(service).Destinations.RemoveAll(d => Same(d.Server, destination)) == 0)
        {
            throw new InvalidOperationException($"ENOENT: {destination}");
        }
    }

    /// <summary>The table as <c>ipvsadm -Ln</c> prints it (services and real servers in address order).</summary>
    public string Dump()
    {
        var text = new StringBuilder("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        foreach (var (service, destinations) in table.Values.OrderBy(v => v.Service.ToString(), StringComparer.Ordinal))
        {
            text.Append($"{service}\n");
            foreach (var d in destinations.OrderBy(d => d.Server.Address.ToString(), StringComparer.Ordinal))
            {
                text.Append($"  -> {new IPEndPoint(d.Server.Address, d.Server.Port),-28} Masq    {d.Server.Weight,-6} {d.ActiveConnections,-10} {d.InactiveConnections}\n");
            }
        }
        return text.ToString();
    }

    private (IpvsVirtualServer Service, List<IpvsDestinationState> Destinations) Entry(IpvsVirtualServer service) =>
        table.TryGetValue(Key(service), out var entry) ? entry : throw new InvalidOperationException($"ESRCH: {service}");

    private static (IPAddress, Core.Model.L4Protocol, int) Key(IpvsVirtualServer s) => (s.Address, s.Protocol, s.Port);

    private static bool Same(IpvsRealServer a, IpvsRealServer b) => a.Address.Equals(b.Address) && a.Port == b.Port;
}
