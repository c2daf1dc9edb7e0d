using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Proxy.Configuration;

/// <summary>
/// A KubeProxyConfiguration's fields by their v1alpha1 path (<c>iptables.syncPeriod</c>): the value of one, spelled
/// as the writer spells it (/flagz and tests read them so), and which ones a file gives a value.
/// </summary>
public static class ConfigurationFields
{
    /// <summary>The value at <paramref name="path"/>, or null when no field has that path.</summary>
    public static string? Get(KubeProxyConfiguration configuration, string path)
    {
        object? value = configuration;
        foreach (var name in path.Split('.'))
        {
            var property = value?.GetType().GetProperties().SingleOrDefault(p => ConfigurationReader.FieldName(p) == name);
            if (property is null)
            {
                return null;
            }
            value = property.GetValue(value);
        }
        return Format(value);
    }

    /// <summary>
    /// The paths a file sets to something other than null, mappings included (<c>conntrack</c> and
    /// <c>conntrack.maxPerCore</c>); empty for text that is not a mapping (the reader reports that).
    /// </summary>
    public static IReadOnlySet<string> Present(string text)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException)
        {
            return present;
        }
        if (stream.Documents is [{ RootNode: YamlMappingNode root }])
        {
            Collect(root, "", present);
        }
        return present;
    }

    private static void Collect(YamlMappingNode mapping, string prefix, HashSet<string> present)
    {
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || value is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" })
            {
                continue;
            }
            present.Add(prefix + name);
            if (value is YamlMappingNode child)
            {
                Collect(child, prefix + name + ".", present);
            }
        }
    }

    private static string Format(object? value) => value switch
    {
        TimeSpan t => GoDurationFormat.Format(t),
        bool b => b ? "true" : "false",
        string s => s,
        IDictionary d => string.Join(",", d.Keys.Cast<object>().Order().Select(k => $"{k}={Format(d[k])}")),
        IEnumerable e => string.Join(",", e.Cast<object>().Select(Format)),
        VModuleItem v => $"{v.FilePattern}={v.Verbosity}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };
}
