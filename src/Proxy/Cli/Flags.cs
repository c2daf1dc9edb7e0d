using Proxy.Configuration;
using Proxy.Input;

namespace Proxy.Cli;

/// <summary>
/// The command-line parser, with upstream's syntax (pflag under cobra): <c>--flag value</c>, <c>--flag=value</c>,
/// booleans bare or <c>=false</c>, <c>-v 2</c>, <c>-v=2</c> and <c>-v2</c>, and <c>_</c> and <c>-</c> interchangeable
/// in names (cobra's word-separator normalisation). Empty arguments are skipped, as a DaemonSet's <c>""</c> args are
/// upstream. Upstream's precedence is kept: with --config the file replaces every configuration flag except the
/// logging flags and --hostname-override (options.go Complete), and without it the mode-dependent sync-period flags
/// apply once the mode is known (processV1Alpha1Flags).
/// </summary>
public static class Flags
{
    /// <summary>Every flag (<see cref="FlagTable.All"/>).</summary>
    public static IReadOnlyList<FlagDefinition> All => FlagTable.All;

    /// <summary>Parses <paramref name="args"/>; on failure returns the reason (one line for a flag, one line per problem in a --config file).</summary>
    public static (ProxyOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var parsed = Tokenize(args, out var error);
        if (parsed is null)
        {
            return (null, error);
        }
        var options = new ProxyOptions();
        foreach (var (flag, value) in parsed)
        {
            options.GivenFlags[flag.Name] = value;
        }
        if (Apply(options, parsed.Where(p => p.Flag.Scope is FlagScope.Command or FlagScope.Klog)) is { } commandError)
        {
            return (null, commandError);
        }
        IEnumerable<(FlagDefinition Flag, string Value)> configuration;
        if (options.ConfigFile is { } file)
        {
            // Only a regular file, within a size limit: a FIFO or /dev/zero must not hang the start.
            if (BoundedFile.ReadText(file, out var unreadable) is not { } text)
            {
                return (null, $"--config {unreadable}");
            }
            var (loaded, errors) = ConfigurationReader.Read(file, text, options.ConfigWarnings);
            if (loaded is null)
            {
                return (null, $"invalid configuration ({errors.Count} problems):\n  " + string.Join("\n  ", errors));
            }
            options.Config = loaded;
            options.ConfigText = text;
            options.GivenFields.UnionWith(ConfigurationFields.Present(text));
            options.IgnoredFlags.AddRange(parsed.Where(p => p.Flag.Scope == FlagScope.Config).Select(p => p.Flag.Name).Distinct());
            configuration = parsed.Where(p => p.Flag.Scope == FlagScope.OverridesConfig);
        }
        else
        {
            // OrderBy is stable: the mode-dependent flags keep their command-line order among themselves.
            configuration = parsed.Where(p => p.Flag.Scope is FlagScope.Config or FlagScope.OverridesConfig).OrderBy(p => p.Flag.AfterMode);
        }
        if (Apply(options, configuration) is { } configurationError)
        {
            return (null, configurationError);
        }
        if (options.ConfigFile is null && options.WriteConfigTo is null)
        {
            // The deprecated port flags, as upstream's addressFromDeprecatedFlags: 0 turns the server off; any other port
            // only completes an address that has none.
            options.Config.HealthzBindAddress = options.HealthzPort == 0 ? "" : ConfigurationDefaults.AppendPortIfNeeded(options.Config.HealthzBindAddress, options.HealthzPort);
            options.Config.MetricsBindAddress = options.MetricsPort == 0 ? "" : ConfigurationDefaults.AppendPortIfNeeded(options.Config.MetricsBindAddress, options.MetricsPort);
        }
        // Each flag checked its own value; what only the whole can tell (minSyncPeriod above syncPeriod, say) is checked here.
        var invalid = ConfigurationValidator.Validate(options.Config);
        if (invalid.Count > 0)
        {
            return (null, $"invalid configuration with the flags given ({invalid.Count} problems):\n  " + string.Join("\n  ", invalid));
        }
        return (options, null);
    }

    /// <summary>
    /// What is not done for <paramref name="flag"/>: its field's <see cref="UnsupportedSettings"/> entry, or its own
    /// note for a flag without a field; null when it works.
    /// </summary>
    public static string? NotImplemented(FlagDefinition flag) =>
        flag.Field is { } field ? UnsupportedSettings.Covering(field)?.Consequence : flag.Missing?.NotDone;

    /// <summary>The klog flags given with a value whose effect is not here, each with what is not done.</summary>
    public static IEnumerable<(string Flag, string Value, string NotDone)> MissingFlagEffects(ProxyOptions options) =>
        All.Where(f => f.Missing is not null && options.GivenFlags.TryGetValue(f.Name, out var v) && f.Missing.Value.AsksFor(v))
            .Select(f => (f.Name, options.GivenFlags[f.Name], f.Missing!.Value.NotDone));

    /// <summary>The spelling a name is looked up by: cobra's WordSepNormalizeFunc turns every <c>_</c> into <c>-</c>.</summary>
    public static string Normalize(string name) => name.Replace('_', '-');

    private static string? Apply(ProxyOptions options, IEnumerable<(FlagDefinition Flag, string Value)> flags)
    {
        foreach (var (flag, value) in flags)
        {
            if (flag.Apply(options, value) is { } problem)
            {
                return $"invalid value \"{value}\" for --{flag.Name}: {problem}";
            }
            if (flag.Field is { } field)
            {
                options.GivenFields.Add(field);
            }
        }
        return null;
    }

    private static FlagDefinition? Find(string name)
    {
        var normalized = Normalize(name);
        normalized = FlagTable.Aliases.GetValueOrDefault(normalized, normalized);
        return All.FirstOrDefault(f => Normalize(f.Name) == normalized);
    }

    /// <summary>Splits the command line into (flag, value) pairs, in order, repeated list flags merged; null with a one-line reason on a bad one.</summary>
    private static List<(FlagDefinition Flag, string Value)>? Tokenize(IReadOnlyList<string> args, out string? error)
    {
        var result = new List<(FlagDefinition Flag, string Value)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length == 0)
            {
                continue;
            }
            if (arg == "--")
            {
                if (args.Skip(i + 1).FirstOrDefault(a => a.Length > 0) is { } extra)
                {
                    error = $"unexpected argument \"{extra}\" (kube-proxy takes no arguments; see --help)";
                    return null;
                }
                break;
            }
            if (!arg.StartsWith('-') || arg == "-")
            {
                error = $"unexpected argument \"{arg}\" (flags start with --; see --help)";
                return null;
            }
            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            string? value = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq >= 0 ? body[..eq] : body;
            var flag = Find(name);
            if (flag is not null && !arg.StartsWith("--", StringComparison.Ordinal) && name.Length == 1 && flag.Shorthand is null)
            {
                flag = null; // a single letter after one dash is a shorthand, and this flag has none
            }
            if (flag is null && !arg.StartsWith("--", StringComparison.Ordinal) && body.Length > 0)
            {
                // pflag's shorthands: -v 2, -v=2, -v2.
                flag = All.FirstOrDefault(f => f.Shorthand == body[0]);
                eq = body.Length > 1 ? (body[1] == '=' ? 1 : 0) : -1;
                if (flag is not null && eq == 0)
                {
                    value = body[1..];
                }
            }
            if (flag is null)
            {
                error = $"unknown flag: {arg.Split('=')[0]} (see --help)";
                return null;
            }
            if (eq > 0)
            {
                value = body[(eq + 1)..];
            }
            if (value is null)
            {
                if (flag.BareValue is { } bare)
                {
                    value = bare;
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    error = $"flag needs an argument: --{flag.Name}";
                    return null;
                }
            }
            var earlier = result.FindIndex(p => p.Flag == flag);
            if (flag.Accumulates && earlier >= 0)
            {
                var before = result[earlier].Value;
                result[earlier] = (flag, before.Length == 0 ? value : value.Length == 0 ? before : before + "," + value);
                continue;
            }
            result.Add((flag, value));
        }
        error = null;
        return result;
    }
}
