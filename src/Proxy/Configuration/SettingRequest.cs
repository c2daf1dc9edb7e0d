namespace Proxy.Configuration;

/// <summary>
/// What <see cref="UnsupportedSetting.AskedFor"/> judges: the effective configuration, the mode in use, and which
/// fields the user gave a value (by a flag or in the --config file), since upstream's defaults must never warn.
/// </summary>
public sealed class SettingRequest(KubeProxyConfiguration configuration, string mode, Func<string, bool> isGiven)
{
    public KubeProxyConfiguration Config { get; } = configuration;

    public string Mode { get; } = mode;

    /// <summary>Whether the user gave <paramref name="field"/> (a v1alpha1 path).</summary>
    public bool IsGiven(string field) => isGiven(field);

    /// <summary><paramref name="text"/> when the user gave <paramref name="field"/> and <paramref name="asks"/>; else null.</summary>
    public string? Given(string field, bool asks, string text) => asks && IsGiven(field) ? text : null;
}
