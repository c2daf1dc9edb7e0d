using Proxy.Core.Model;
using Proxy.Reconciling;

namespace Proxy.HealthChecks;

/// <summary>
/// The health-check node port servers: after each sync that applied, told which services need one (and their local
/// endpoint counts) and where node ports listen in each family; they open, update and close servers to match.
/// </summary>
public interface IServiceHealthServers
{
    void Update(IReadOnlyList<ServiceHealthCheck> checks, IReadOnlyDictionary<IpFamily, NodePortAddresses> addresses);
}
