using System.Diagnostics;
using Proxy.Backends.Ipvs;

namespace Proxy.Bench.Ipvs;

/// <summary>The real IPVS client, with the time spent in changes and in dumps added up.</summary>
internal sealed class TimedIpvsClient(IIpvsClient inner) : IIpvsClient
{
    public TimeSpan Changes { get; private set; }

    public TimeSpan Dumps { get; private set; }

    public int Operations { get; private set; }

    public void Reset() => (Changes, Dumps, Operations) = (TimeSpan.Zero, TimeSpan.Zero, 0);

    public IReadOnlyList<IpvsVirtualServer> GetServices() => Dump(inner.GetServices);

    public IReadOnlyList<IpvsDestinationState> GetDestinations(IpvsVirtualServer service) => Dump(() => inner.GetDestinations(service));

    public void Apply(IReadOnlyList<IpvsOperation> operations)
    {
        var clock = Stopwatch.StartNew();
        inner.Apply(operations);
        Changes += clock.Elapsed;
        Operations += operations.Count;
    }

    public void SetTimeouts(IpvsTimeouts timeouts) => inner.SetTimeouts(timeouts);

    public void AddService(IpvsVirtualServer service) => Apply([new IpvsOperation(IpvsOperationKind.AddService, service)]);

    public void UpdateService(IpvsVirtualServer service) => Apply([new IpvsOperation(IpvsOperationKind.UpdateService, service)]);

    public void DeleteService(IpvsVirtualServer service) => Apply([new IpvsOperation(IpvsOperationKind.DeleteService, service)]);

    public void AddDestination(IpvsVirtualServer service, IpvsRealServer destination) => Apply([new IpvsOperation(IpvsOperationKind.AddDestination, service, destination)]);

    public void UpdateDestination(IpvsVirtualServer service, IpvsRealServer destination) => Apply([new IpvsOperation(IpvsOperationKind.UpdateDestination, service, destination)]);

    public void DeleteDestination(IpvsVirtualServer service, IpvsRealServer destination) => Apply([new IpvsOperation(IpvsOperationKind.DeleteDestination, service, destination)]);

    private T Dump<T>(Func<T> read)
    {
        var clock = Stopwatch.StartNew();
        var result = read();
        Dumps += clock.Elapsed;
        return result;
    }
}
