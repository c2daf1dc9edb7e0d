using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Proxy.Configuration;

/// <summary>
/// Reads a KubeProxyConfiguration file strictly, collecting every problem instead of stopping at the first:
/// unknown fields, values of the wrong type, then invalid values (<see cref="ConfigurationValidator"/>).
/// Each error names the file, the field's path as upstream spells it (e.g. <c>iptables.masqueradeBit</c>) and the line.
/// </summary>
public static class ConfigurationReader
{
    public static (KubeProxyConfiguration? Configuration, IReadOnlyList<string> Errors) Read(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return (null, [$"{path}:{e.Start.Line}: invalid YAML: {e.Message}"]);
        }
        var configuration = new KubeProxyConfiguration();
        var errors = new List<string>();
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return (null, [$"{path}: expected one KubeProxyConfiguration document (a mapping)"]);
        }
        Bind(configuration, root, "", path, errors);
        errors.AddRange(ConfigurationValidator.Validate(configuration).Select(e => $"{path}: {e}"));
        return errors.Count == 0 ? (configuration, errors) : (null, errors);
    }

    /// <summary>The field name upstream uses for a property: its name with a lower-case first letter.</summary>
    public static string FieldName(PropertyInfo property) => char.ToLowerInvariant(property.Name[0]) + property.Name[1..];

    private static void Bind(object target, YamlMappingNode mapping, string prefix, string path, List<string> errors)
    {
        var properties = target.GetType().GetProperties().ToDictionary(FieldName, StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var field = prefix + key;
            if (!properties.TryGetValue(key, out var property))
            {
                errors.Add($"{path}:{keyNode.Start.Line}: {field}: unknown field");
                continue;
            }
            if (valueNode is YamlScalarNode { Value: null or "" or "~" or "null", Style: ScalarStyle.Plain })
            {
                continue; // null keeps the default, as upstream's decoder does
            }
            if (Convert(property.PropertyType, property.GetValue(target), valueNode, field, path, errors) is { } value)
            {
                property.SetValue(target, value);
            }
        }
    }

    private static object? Convert(Type type, object? current, YamlNode node, string field, string path, List<string> errors)
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
        var isSection = type.IsClass && !typeof(IEnumerable).IsAssignableFrom(type);
        if (isSection)
        {
            if (node is not YamlMappingNode mapping)
            {
                return Fail("a mapping");
            }
            Bind(current!, mapping, field + ".", path, errors);
            return current;
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
                var key = ((YamlScalarNode)k).Value ?? "";
                if (Convert(valueType, null, v, $"{field}.{key}", path, errors) is { } value)
                {
                    dictionary[key] = value;
                }
            }
            return dictionary;
        }
        if (type == typeof(List<string>))
        {
            return node is YamlSequenceNode sequence && sequence.All(n => n is YamlScalarNode)
                ? sequence.Select(n => ((YamlScalarNode)n).Value ?? "").ToList()
                : Fail("a list of strings");
        }
        var text = (node as YamlScalarNode)?.Value;
        if (text is null)
        {
            return Fail("a single value");
        }
        if (type == typeof(bool))
        {
            return text is "true" or "false" ? text == "true" : Fail("true or false");
        }
        if (type == typeof(int))
        {
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : Fail("an integer");
        }
        if (type == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : Fail("a number");
        }
        if (type == typeof(TimeSpan))
        {
            return GoDuration.TryParse(text, out var t) ? t : Fail("a duration such as 30s, 1m0s or 500ms");
        }
        throw new NotSupportedException($"configuration field type {type}");
    }
}
