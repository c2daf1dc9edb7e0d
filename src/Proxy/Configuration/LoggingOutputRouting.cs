namespace Proxy.Configuration;

/// <summary>logging.options.text / logging.options.json: split streams and the info buffer size.</summary>
public sealed class LoggingOutputRouting
{
    public bool SplitStream { get; set; }

    /// <summary>A Kubernetes quantity (0, 512, 64Ki); upstream's defaulting writes "0".</summary>
    public string InfoBufferSize { get; set; } = "0";
}
