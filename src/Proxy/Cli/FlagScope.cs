namespace Proxy.Cli;

/// <summary>Where a flag's value goes, which decides what --config does to it (upstream's options.go Complete).</summary>
public enum FlagScope
{
    /// <summary>What the command does (--config, --cleanup, --init-only, ...): never part of the configuration.</summary>
    Command,

    /// <summary>A configuration field: with --config the file's value is used and the flag is ignored, as upstream.</summary>
    Config,

    /// <summary>A configuration field the flag sets even over --config: the logging flags and --hostname-override.</summary>
    OverridesConfig,

    /// <summary>klog's own flags (upstream adds Go's flag set): log destinations and headers, no configuration field.</summary>
    Klog,
}
