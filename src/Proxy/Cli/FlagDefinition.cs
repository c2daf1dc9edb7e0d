namespace Proxy.Cli;

/// <summary>
/// One command-line flag: its upstream name (klog's with underscores, as upstream lists them; <c>_</c> and <c>-</c> are
/// interchangeable when parsing), the value placeholder and default shown in --help, the help text, where its value
/// goes (<see cref="Scope"/>, <see cref="Field"/>) and how it is applied to <see cref="ProxyOptions"/> (returning an
/// error message, or null when the value is fine).
/// </summary>
public sealed record FlagDefinition(
    string Name,
    string ValueName,
    string DefaultText,
    string Help,
    FlagScope Scope,
    Func<ProxyOptions, string, string?> Apply)
{
    /// <summary>The v1alpha1 field the value lands in (e.g. <c>conntrack.maxPerCore</c>), for Config and OverridesConfig flags.</summary>
    public string? Field { get; init; }

    /// <summary>A one-letter form (<c>-v</c>, <c>-h</c>).</summary>
    public char? Shorthand { get; init; }

    /// <summary>The value when the flag is given bare (pflag's NoOptDefVal): "true" for booleans.</summary>
    public string? BareValue { get; init; }

    /// <summary>Applied after all the others, once --proxy-mode has settled the mode (the sync-period flags).</summary>
    public bool AfterMode { get; init; }

    /// <summary>Lists and maps: each occurrence adds to the value (pflag's StringSlice and mapStringBool), instead of replacing it.</summary>
    public bool Accumulates { get; init; }

    /// <summary>Not upstream's: --manifests, --dry-run, --once, --sync-period, --min-sync-period.</summary>
    public bool Ours { get; init; }

    /// <summary>Deprecated and hidden upstream (--healthz-port, --metrics-port): accepted, left out of --help.</summary>
    public bool Deprecated { get; init; }

    /// <summary>
    /// For flags without a field whose feature is not here (klog's): what is not done, and which values ask for it
    /// (the warning names the flag only then, so that upstream's defaults never warn).
    /// </summary>
    public (string NotDone, Func<string, bool> AsksFor)? Missing { get; init; }

    public bool IsBoolean => BareValue == "true" && ValueName.Length == 0;
}
