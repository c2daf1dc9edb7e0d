using Proxy.Backends.Ipvs.Netlink;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs.DryRun;

/// <summary>
/// --dry-run for IPVS: the table is read from the kernel (an empty one when it has no IPVS, so a dry run works
/// anywhere), and every change is printed as a comment line instead of being sent.
/// </summary>
public sealed class DryRunIpvsClient(Func<IIpvsClient> inner, TextWriter output) : IIpvsClient
{
    private IIpvsClient? kernel;
    private bool missing;

    public IReadOnlyList<IpvsVirtualServer> GetServices() => Kernel()?.GetServices() ?? [];

    public IReadOnlyList<IpvsDestinationState> GetDestinations(IpvsVirtualServer service) => Kernel()?.GetDestinations(service) ?? [];

    public void AddService(IpvsVirtualServer service) => Print(new IpvsOperation(IpvsOperationKind.AddService, service));

    public void UpdateService(IpvsVirtualServer service) => Print(new IpvsOperation(IpvsOperationKind.UpdateService, service));

    public void DeleteService(IpvsVirtualServer service) => Print(new IpvsOperation(IpvsOperationKind.DeleteService, service));

    public void AddDestination(IpvsVirtualServer service, IpvsRealServer destination) => Print(new IpvsOperation(IpvsOperationKind.AddDestination, service, destination));

    public void UpdateDestination(IpvsVirtualServer service, IpvsRealServer destination) => Print(new IpvsOperation(IpvsOperationKind.UpdateDestination, service, destination));

    public void DeleteDestination(IpvsVirtualServer service, IpvsRealServer destination) => Print(new IpvsOperation(IpvsOperationKind.DeleteDestination, service, destination));

    public void SetTimeouts(IpvsTimeouts timeouts) => output.WriteLine($"# ipvs {timeouts}");

    private void Print(IpvsOperation operation) => output.WriteLine($"# ipvs {operation}");

    private IIpvsClient? Kernel()
    {
        if (kernel is null && !missing)
        {
            try
            {
                kernel = inner();
            }
            catch (NetlinkException e)
            {
                missing = true;
                output.WriteLine($"# dry run: cannot read the IPVS table ({e.Message}); assuming it is empty");
            }
        }
        return kernel;
    }
}
