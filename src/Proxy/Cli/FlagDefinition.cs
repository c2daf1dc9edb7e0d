namespace Proxy.Cli;

/// <summary>
/// One command-line flag: its upstream name, the value placeholder shown in --help (null for a boolean),
/// the default as printed, the help text, and how a value is applied to <see cref="ProxyOptions"/>
/// (returning an error message, or null when the value is fine). A flag whose effect depends on the proxy mode
/// (<paramref name="AfterMode"/>) is applied after all the others, once --config and --proxy-mode have settled it.
/// </summary>
public sealed record FlagDefinition(
    string Name,
    string? ValueName,
    string DefaultText,
    string Help,
    Func<ProxyOptions, string, string?> Apply,
    bool AfterMode = false)
{
    public bool IsBoolean => ValueName is null;
}
