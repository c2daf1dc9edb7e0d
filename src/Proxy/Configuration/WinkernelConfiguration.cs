namespace Proxy.Configuration;

/// <summary>Windows/HNS settings (winkernel): accepted and written back so shared config files load; unused on Linux, as upstream.</summary>
public sealed class WinkernelConfiguration
{
    public string NetworkName { get; set; } = "";

    public string SourceVip { get; set; } = "";

    public bool EnableDSR { get; set; }

    public string RootHnsEndpointName { get; set; } = "";

    public bool ForwardHealthCheckVip { get; set; }
}
