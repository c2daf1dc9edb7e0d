using Proxy.Core.Model;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Each service port's rendered rules from the last render, kept by the backend per family so that a sync renders only
/// the ports that changed: the reconciler hands over an unchanged port as the same instance, and an unchanged port's
/// chains then stay the same instances, which the partial planner compares by reference. Holds what the last render
/// used and nothing else; a change of family, local-traffic detector or large-cluster mode starts it over.
/// </summary>
public sealed class ServicePortCache
{
    private Dictionary<ServicePort, RenderedRules> ports = new(ReferenceEqualityComparer.Instance);
    private Dictionary<ServicePort, RenderedRules> next = new(ReferenceEqualityComparer.Instance);
    private (IpFamily Family, LocalTrafficDetector? Detector, bool LargeCluster, bool CountLocalhost)? context;

    /// <summary>Ports rendered afresh by the last render (the others came from the cache).</summary>
    public int Rendered { get; private set; }

    internal void Begin(IpFamily family, LocalTrafficDetector? detector, bool largeCluster, bool countLocalhost)
    {
        if (context != (family, detector, largeCluster, countLocalhost))
        {
            ports.Clear();
            context = (family, detector, largeCluster, countLocalhost);
        }
        next.Clear();
    }

    /// <summary>The port's rules from the last render, when it is the same instance.</summary>
    internal bool TryReuse(ServicePort port, out RenderedRules rules) => ports.TryGetValue(port, out rules!);

    /// <summary>Remembers <paramref name="rules"/> as <paramref name="port"/>'s rules in this render.</summary>
    internal void Keep(ServicePort port, RenderedRules rules) => next[port] = rules;

    /// <summary>Keeps only the ports of this render: a removed service's rules are not held on to.</summary>
    internal void End(int rendered)
    {
        (ports, next) = (next, ports);
        Rendered = rendered;
    }
}
