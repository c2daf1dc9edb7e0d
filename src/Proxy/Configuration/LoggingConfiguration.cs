namespace Proxy.Configuration;

/// <summary>component-base's LoggingConfiguration (logging), as upstream embeds it.</summary>
public sealed class LoggingConfiguration
{
    /// <summary>text or json.</summary>
    public string Format { get; set; } = "text";

    /// <summary>Upstream accepts a duration string or an integer number of nanoseconds here (TimeOrMetaDuration).</summary>
    [DurationOrNanoseconds]
    public TimeSpan FlushFrequency { get; set; } = TimeSpan.FromSeconds(5);

    public int Verbosity { get; set; }

    public List<VModuleItem> Vmodule { get; set; } = [];

    public LoggingFormatOptions Options { get; set; } = new();
}
