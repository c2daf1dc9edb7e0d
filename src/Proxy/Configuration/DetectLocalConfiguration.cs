namespace Proxy.Configuration;

/// <summary>How local traffic is detected for the non-default detectLocalMode values (detectLocal).</summary>
public sealed class DetectLocalConfiguration
{
    public string BridgeInterface { get; set; } = "";

    public string InterfaceNamePrefix { get; set; } = "";
}
