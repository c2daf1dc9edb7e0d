using Proxy.Core.Model;

namespace Proxy.Syncing;

/// <summary>
/// One warning per Service that asks for something the running mode does not render, naming the Service, each field
/// and what happens instead: a Service's wishes are never dropped silently.
/// </summary>
public static class UnrenderedFeatures
{
    private static readonly (ServiceFeatures Feature, string Field, string Instead)[] Fields =
    [
        (ServiceFeatures.ExternalIPs, "spec.externalIPs", "not captured"),
        (ServiceFeatures.LoadBalancerIPs, "status.loadBalancer.ingress", "not captured"),
        (ServiceFeatures.LoadBalancerSourceRanges, "spec.loadBalancerSourceRanges", "not enforced"),
        (ServiceFeatures.InternalTrafficPolicyLocal, "spec.internalTrafficPolicy: Local", "served as Cluster"),
        (ServiceFeatures.ExternalTrafficPolicyLocal, "spec.externalTrafficPolicy: Local", "served as Cluster"),
        (ServiceFeatures.ClientIPAffinity, "spec.sessionAffinity: ClientIP", "ignored"),
    ];

    public static IEnumerable<string> Warnings(IEnumerable<ProxyState> states, ServiceFeatures renders, string mode)
    {
        var byService = new SortedDictionary<string, ServiceFeatures>(StringComparer.Ordinal);
        foreach (var port in states.SelectMany(s => s.Services))
        {
            var missing = port.Features & ~renders;
            if (missing != ServiceFeatures.None)
            {
                var name = $"{port.Name.Namespace}/{port.Name.Name}";
                byService[name] = byService.GetValueOrDefault(name) | missing;
            }
        }
        foreach (var (service, missing) in byService)
        {
            var fields = Fields.Where(f => missing.HasFlag(f.Feature)).Select(f => $"{f.Field} ({f.Instead})");
            yield return $"Service {service}: {mode} mode does not implement {string.Join(", ", fields)} yet";
        }
    }
}
