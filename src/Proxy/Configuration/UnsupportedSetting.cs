namespace Proxy.Configuration;

/// <summary>
/// Configuration fields this proxy reads but does not act on yet, warned about as one. <paramref name="Fields"/> are
/// their v1alpha1 paths (what a flag's field is looked up by); <paramref name="AskedFor"/> returns what the user asked
/// for in them, or null when they asked for nothing upstream would do (so the warning stays quiet);
/// <paramref name="Consequence"/> says what happens instead, for the operator.
/// </summary>
public sealed record UnsupportedSetting(string Field, IReadOnlyList<string> Fields, string Consequence, Func<SettingRequest, string?> AskedFor);
