namespace Proxy.Configuration;

/// <summary>logging.options: per-format settings (alpha upstream, behind the LoggingAlphaOptions gate).</summary>
public sealed class LoggingFormatOptions
{
    public LoggingOutputRouting Text { get; set; } = new();

    public LoggingOutputRouting Json { get; set; } = new();
}
