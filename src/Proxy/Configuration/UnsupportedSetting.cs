namespace Proxy.Configuration;

/// <summary>
/// A configuration field this proxy reads but does not act on yet. <paramref name="SetTo"/> returns what the field
/// asks for, given the configuration and the mode in use, or null when it asks for nothing upstream would do
/// (so the warning stays quiet); <paramref name="Consequence"/> says what happens instead, for the operator.
/// </summary>
public sealed record UnsupportedSetting(string Field, string Consequence, Func<KubeProxyConfiguration, string, string?> SetTo);
