using System.Net;
using k8s.Models;
using Proxy.Core.Model;
using Proxy.Validation;

namespace Proxy.Reconciling;

/// <summary>
/// The cluster's service CIDRs from its networking.k8s.io/v1 ServiceCIDR objects (spec.cidrs), split by family, as
/// upstream's OnServiceCIDRsChanged hands them to each family's proxier. An entry that is not a CIDR is left out with a
/// warning naming the object; the same CIDR in two objects counts once.
/// </summary>
internal static class ServiceCidrReader
{
    public static IReadOnlyDictionary<IpFamily, EquatableArray<IPNetwork>> Read(IEnumerable<V1ServiceCIDR> objects, ICollection<string> warnings)
    {
        var byFamily = new Dictionary<IpFamily, List<IPNetwork>> { [IpFamily.IPv4] = [], [IpFamily.IPv6] = [] };
        foreach (var serviceCidr in objects.OrderBy(o => o.Name(), StringComparer.Ordinal))
        {
            var cidrs = serviceCidr.Spec?.Cidrs ?? [];
            for (var i = 0; i < cidrs.Count; i++)
            {
                if (!KubernetesAddresses.TryParseCidr(cidrs[i], out var network))
                {
                    warnings.Add($"ServiceCIDR {serviceCidr.Name()}: spec.cidrs[{i}] \"{cidrs[i]}\" is not a CIDR and is ignored");
                    continue;
                }
                var list = byFamily[network.Family()];
                if (!list.Contains(network))
                {
                    list.Add(network);
                }
            }
        }
        return byFamily.ToDictionary(kv => kv.Key, kv => kv.Value.ToEquatableArray());
    }
}
