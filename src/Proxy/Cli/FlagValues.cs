using System.Globalization;
using System.Numerics;
using Proxy.Configuration;
using Proxy.Validation;

namespace Proxy.Cli;

/// <summary>
/// Flag values as upstream's pflag types read them: Go's strconv for booleans and numbers (so <c>--v=0x2</c> and
/// <c>--oom-score-adj=-999</c> read alike), Go durations, comma-separated lists, and the component-base types (IP,
/// IP:port, key=bool maps, pattern=N lists, quantities, klog severities). Each returns an error message or null.
/// </summary>
public static class FlagValues
{
    public const string DurationError = "not a duration such as 1s, 500ms or 2m";

    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool TryParseBool(string value, out bool result)
    {
        result = value is "1" or "t" or "T" or "TRUE" or "true" or "True";
        return result || value is "0" or "f" or "F" or "FALSE" or "false" or "False";
    }

    public static string? Bool(string value, Action<bool> set) =>
        TryParseBool(value, out var b) ? Do(() => set(b)) : "not a boolean (true or false)";

    /// <summary>Go's strconv.ParseInt(value, 0, bits): an optional sign, then decimal, 0x hex, 0o or leading-0 octal, or 0b binary.</summary>
    public static bool TryParseInteger(string value, int bits, bool signed, out long result)
    {
        result = 0;
        var text = value;
        var negative = false;
        if (text.StartsWith('+') || text.StartsWith('-'))
        {
            negative = text[0] == '-';
            text = text[1..];
        }
        if (text.Length == 0 || (negative && !signed))
        {
            return false;
        }
        var radix = 10;
        if (text.Length > 1 && text[0] == '0')
        {
            (radix, text) = char.ToLowerInvariant(text[1]) switch
            {
                'x' => (16, text[2..]),
                'o' => (8, text[2..]),
                'b' => (2, text[2..]),
                _ => (8, text[1..]),
            };
        }
        if (text.Length == 0)
        {
            return false;
        }
        BigInteger magnitude = 0;
        foreach (var c in text)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }
            magnitude = (magnitude * radix) + digit;
        }
        var number = negative ? -magnitude : magnitude;
        var (min, max) = signed ? (-(BigInteger.One << (bits - 1)), (BigInteger.One << (bits - 1)) - 1) : (BigInteger.Zero, (BigInteger.One << bits) - 1);
        if (number < min || number > max || (!signed && number > long.MaxValue))
        {
            return false;
        }
        result = (long)number;
        return true;
    }

    public static string? Int32(string value, Action<int> set) =>
        TryParseInteger(value, 32, signed: true, out var n) ? Do(() => set((int)n)) : $"\"{value}\" is not a 32-bit integer";

    public static string? Float(string value, Action<double> set) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? Do(() => set(d)) : $"\"{value}\" is not a number";

    public static string? Duration(string value, Action<TimeSpan> set) =>
        GoDuration.TryParse(value, out var d) ? Do(() => set(d)) : DurationError;

    public static string? PositiveDuration(string value, Action<TimeSpan> set) =>
        GoDuration.TryParse(value, out var d) && d > TimeSpan.Zero ? Do(() => set(d)) : DurationError + " greater than 0";

    /// <summary>pflag's StringSlice: comma-separated, blanks trimmed; an empty value is an empty list.</summary>
    public static List<string> List(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public static string? CidrList(string value, Action<List<string>> set)
    {
        var parts = List(value);
        return parts.FirstOrDefault(p => !KubernetesAddresses.TryParseCidr(p, out _)) is { } bad ? $"\"{bad}\" is not a CIDR" : Do(() => set(parts));
    }

    /// <summary>component-base's IPVar: an IP address.</summary>
    public static string? IP(string value, Action<string> set) =>
        KubernetesAddresses.TryParseIP(value, out _) ? Do(() => set(value)) : $"\"{value}\" is not a valid IP address";

    /// <summary>"" (off), IP:PORT, or an IP alone, which gets <paramref name="port"/> as upstream's IPPortVar flags do.</summary>
    public static string? Address(string value, int port, Action<string> set)
    {
        if (value.Length == 0)
        {
            return Do(() => set(value));
        }
        var address = ConfigurationDefaults.AppendPortIfNeeded(value, port);
        return ConfigurationValidator.HostPortErrors(address).Count == 0 ? Do(() => set(address)) : $"not IP or IP:PORT such as 0.0.0.0:{port}";
    }

    /// <summary>component-base's mapStringBool (--feature-gates): key=bool pairs, comma-separated.</summary>
    public static string? BoolMap(string value, Action<Dictionary<string, bool>> set)
    {
        var map = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var pair in List(value))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"missing bool value for \"{pair}\" (expected key=true or key=false)";
            }
            if (!TryParseBool(pair[(eq + 1)..].Trim(), out var b))
            {
                return $"invalid value of {pair[..eq].Trim()}: {pair[(eq + 1)..]}";
            }
            map[pair[..eq].Trim()] = b;
        }
        return Do(() => set(map));
    }

    /// <summary>component-base's VModuleConfiguration: pattern=N pairs, comma-separated.</summary>
    public static string? VModule(string value, Action<List<VModuleItem>> set)
    {
        var items = new List<VModuleItem>();
        foreach (var pair in List(value))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !TryParseInteger(pair[(eq + 1)..], 32, signed: false, out var level))
            {
                return $"\"{pair}\" is not pattern=N";
            }
            items.Add(new VModuleItem { FilePattern = pair[..eq], Verbosity = (int)level });
        }
        return Do(() => set(items));
    }

    /// <summary>klog's severity: a name (INFO, WARNING, ERROR, FATAL) or its number.</summary>
    public static string? Severity(string value) =>
        value.ToUpperInvariant() is "INFO" or "WARNING" or "ERROR" or "FATAL" || TryParseInteger(value, 32, signed: true, out var n) && n is >= 0 and <= 3
            ? null : $"\"{value}\" is not a severity (INFO, WARNING, ERROR, FATAL or 0-3)";

    /// <summary>klog's log_backtrace_at: file:N (or empty, or upstream's default ":0").</summary>
    public static string? Backtrace(string value)
    {
        if (value is "" or ":0")
        {
            return null;
        }
        var colon = value.LastIndexOf(':');
        return colon > 0 && TryParseInteger(value[(colon + 1)..], 32, signed: false, out _) ? null : $"\"{value}\" is not file:N";
    }

    public static string? Do(Action action)
    {
        action();
        return null;
    }
}
