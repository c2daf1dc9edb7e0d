using System.Collections;
using System.Globalization;
using System.Reflection;
using Proxy.Input;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Proxy.Configuration;

/// <summary>
/// Reads a KubeProxyConfiguration file strictly, collecting every problem instead of stopping at the first:
/// unknown fields, values of the wrong type, then invalid values (<see cref="ConfigurationValidator"/>).
/// Each error names the file, the field's path as upstream spells it (e.g. <c>iptables.masqueradeBit</c>) and the line.
/// Between binding and validation come upstream's defaults (<see cref="ConfigurationDefaults"/>), so a kubeadm file
/// full of zeros (<c>syncPeriod: 0s</c>, <c>masqueradeBit: null</c>) reads as upstream reads it.
/// </summary>
/// <remarks>
/// As upstream's loadConfig: when strict decoding fails only for unknown fields (a file from an older kubeadm with a
/// field upstream has since removed, such as <c>udpIdleTimeout</c>), the file is read leniently, the fields ignored
/// with a warning each, and the proxy runs. A wrong type or an invalid value still fails, listing every problem,
/// unknown fields included. The YAML has the manifests' limits on nesting and aliases; the caller reads the file with
/// <see cref="BoundedFile"/>, as manifests are read.
/// </remarks>
public static class ConfigurationReader
{
    /// <param name="warnings">Gets the unknown fields a lenient read ignored.</param>
    public static (KubeProxyConfiguration? Configuration, IReadOnlyList<string> Errors) Read(string path, string text, ICollection<string>? warnings = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new LimitedYamlParser(new Parser(new StringReader(text))));
        }
        catch (YamlException e)
        {
            return (null, [$"{path}:{e.Start.Line}: invalid YAML: {e.Message}"]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, with no position, for some unterminated flow collections.
            return (null, [$"{path}: invalid YAML: unexpected end of a flow collection or scalar"]);
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return (null, [$"{path}: expected one KubeProxyConfiguration document (a mapping)"]);
        }
        // apiVersion and kind must come from the file, as upstream's decoder requires; the two addresses start unset
        // because their defaults depend on bindAddress (IPv4 or IPv6), which is only known once the file is read.
        var configuration = new KubeProxyConfiguration { ApiVersion = "", Kind = "", HealthzBindAddress = "", MetricsBindAddress = "" };
        var errors = new List<string>();
        var unknown = new List<string>();
        Bind(configuration, root, "", path, errors, unknown);
        ConfigurationDefaults.Apply(configuration);
        errors.AddRange(ConfigurationValidator.Validate(configuration).Select(e => $"{path}: {e}"));
        if (errors.Count > unknown.Count)
        {
            return (null, errors);
        }
        foreach (var field in unknown)
        {
            warnings?.Add($"{field}, ignored: strict decoding failed, so the file is read leniently, as upstream reads it");
        }
        return (configuration, []);
    }

    /// <summary>The field name upstream uses for a property: its name with a lower-case first letter.</summary>
    public static string FieldName(PropertyInfo property) => char.ToLowerInvariant(property.Name[0]) + property.Name[1..];

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>Binds <paramref name="mapping"/> onto <paramref name="target"/>; an unknown field is an error that <paramref name="unknown"/> also gets.</summary>
    private static void Bind(object target, YamlMappingNode mapping, string prefix, string path, List<string> errors, List<string> unknown)
    {
        var properties = target.GetType().GetProperties().Where(p => p.CanWrite).ToDictionary(FieldName, StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var field = prefix + key;
            if (!properties.TryGetValue(key, out var property))
            {
                errors.Add($"{path}:{keyNode.Start.Line}: {field}: unknown field");
                unknown.Add(errors[^1]);
                continue;
            }
            if (IsNull(valueNode))
            {
                continue; // null leaves the default, as upstream's decoder leaves the Go zero value for defaulting
            }
            var nanoseconds = property.IsDefined(typeof(DurationOrNanosecondsAttribute));
            if (Convert(property.PropertyType, property.GetValue(target), valueNode, field, nanoseconds, path, errors, unknown) is { } value)
            {
                property.SetValue(target, value);
            }
        }
    }

    private static object? Convert(Type type, object? current, YamlNode node, string field, bool nanoseconds, string path, List<string> errors, List<string> unknown)
    {
        string? Fail(string expected)
        {
            errors.Add($"{path}:{node.Start.Line}: {field}: expected {expected}");
            return null;
        }

        if (type == typeof(string))
        {
            return node is YamlScalarNode s ? s.Value ?? "" : Fail("a string");
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var itemType = type.GetGenericArguments()[0];
            if (node is not YamlSequenceNode sequence)
            {
                return Fail(itemType == typeof(string) ? "a list of strings" : "a list");
            }
            var list = (IList)Activator.CreateInstance(type)!;
            var ok = true;
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var item = Convert(itemType, itemType == typeof(string) ? null : Activator.CreateInstance(itemType), sequence.Children[i], $"{field}[{i}]", false, path, errors, unknown);
                ok &= item is not null;
                list.Add(item);
            }
            return ok ? list : null;
        }
        if (typeof(IDictionary).IsAssignableFrom(type))
        {
            if (node is not YamlMappingNode map)
            {
                return Fail("a mapping");
            }
            var valueType = type.GetGenericArguments()[1];
            var dictionary = (IDictionary)Activator.CreateInstance(type)!;
            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (Convert(valueType, null, v, $"{field}.{key}", false, path, errors, unknown) is { } value)
                {
                    dictionary[key] = value;
                }
            }
            return dictionary;
        }
        if (type.IsClass)
        {
            if (node is not YamlMappingNode mapping)
            {
                return Fail("a mapping");
            }
            Bind(current!, mapping, field + ".", path, errors, unknown);
            return current;
        }
        if (node is not YamlScalarNode { Value: { } text } scalar)
        {
            return Fail("a single value");
        }
        // Upstream's decoder goes through JSON, where a quoted "14" is a string: not an integer, a boolean or a number.
        var plain = scalar.Style == ScalarStyle.Plain;
        if (type == typeof(bool))
        {
            return plain && text is "true" or "false" ? text == "true" : Fail("true or false");
        }
        if (type == typeof(int))
        {
            return plain && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : Fail("an integer");
        }
        if (type == typeof(double))
        {
            return plain && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : Fail("a number");
        }
        if (type == typeof(TimeSpan))
        {
            if (nanoseconds && plain && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ns))
            {
                return TimeSpan.FromTicks(ns / 100);
            }
            return GoDuration.TryParse(text, out var t) ? t : Fail(nanoseconds ? "a duration such as 5s, or nanoseconds" : "a duration such as 30s, 1m0s or 500ms");
        }
        throw new NotSupportedException($"configuration field type {type}");
    }
}
