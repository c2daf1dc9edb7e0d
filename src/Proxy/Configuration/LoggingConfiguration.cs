namespace Proxy.Configuration;

/// <summary>Log format and verbosity (logging).</summary>
public sealed class LoggingConfiguration
{
    /// <summary>text or json.</summary>
    public string Format { get; set; } = "text";

    public TimeSpan FlushFrequency { get; set; } = TimeSpan.FromSeconds(5);

    public int Verbosity { get; set; }

    public Dictionary<string, string> Options { get; set; } = [];
}
