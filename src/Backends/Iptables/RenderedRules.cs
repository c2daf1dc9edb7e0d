namespace Proxy.Backends.Iptables;

/// <summary>The rules of the shared chains, filled by every service port in turn, plus each port's own chains.</summary>
internal sealed class RenderedRules
{
    public List<string> FilterServices { get; } = [];

    public List<string> FilterExternalServices { get; } = [];

    public List<string> FilterNodePorts { get; } = [];

    public List<string> FilterProxyFirewall { get; } = [];

    public List<string> NatServices { get; } = [];

    public List<string> NatNodePorts { get; } = [];

    public List<ChainRules> PerService { get; } = [];

    /// <summary>Appends one service port's share (rendered on its own, or kept from an earlier render).</summary>
    public void Add(RenderedRules port)
    {
        FilterServices.AddRange(port.FilterServices);
        FilterExternalServices.AddRange(port.FilterExternalServices);
        FilterNodePorts.AddRange(port.FilterNodePorts);
        FilterProxyFirewall.AddRange(port.FilterProxyFirewall);
        NatServices.AddRange(port.NatServices);
        NatNodePorts.AddRange(port.NatNodePorts);
        PerService.AddRange(port.PerService);
    }
}
