namespace Proxy.Backends.Ipvs;

/// <summary>
/// The IPVS operations the backend needs. The real one talks generic netlink (<see cref="Netlink.IpvsNetlinkClient"/>);
/// tests use a stateful fake. Calls block briefly on the kernel and are made one at a time.
/// </summary>
public interface IIpvsClient
{
    IReadOnlyList<IpvsVirtualServer> GetServices();

    IReadOnlyList<IpvsDestinationState> GetDestinations(IpvsVirtualServer service);

    void AddService(IpvsVirtualServer service);

    void UpdateService(IpvsVirtualServer service);

    void DeleteService(IpvsVirtualServer service);

    void AddDestination(IpvsVirtualServer service, IpvsRealServer destination);

    void UpdateDestination(IpvsVirtualServer service, IpvsRealServer destination);

    void DeleteDestination(IpvsVirtualServer service, IpvsRealServer destination);

    /// <summary>Sets the node-wide connection timeouts (IPVS_CMD_SET_CONFIG); a zero one is left as it is.</summary>
    void SetTimeouts(IpvsTimeouts timeouts);

    /// <summary>Applies operations in order; the netlink client sends them in batches. A failure is thrown after all were tried.</summary>
    void Apply(IReadOnlyList<IpvsOperation> operations)
    {
        foreach (var operation in operations)
        {
            operation.ApplyTo(this);
        }
    }
}
