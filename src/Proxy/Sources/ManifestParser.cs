using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Proxy.Input;
using Proxy.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Proxy.Sources;

/// <summary>
/// Reads Kubernetes YAML as <c>kubectl apply</c> accepts it: several documents per file, <c>kind: List</c>,
/// and kinds the proxy does not read (skipped). Pure: text in, objects and errors naming file and line out.
/// Each document (each item of a List) stands alone: one that is not valid YAML, is nested too deep, has a duplicate
/// key, is not an object, or holds a field of the wrong type (<c>port: "http"</c>, <c>port: 80.5</c>) is skipped with
/// an error, and every other object of the file is read.
/// </summary>
public static class ManifestParser
{
    public static ManifestFile Parse(string path, string content)
    {
        var objects = new Collected(path);
        // One document at a time: a node tree of a whole 10k-service file would dominate the daemon's memory.
        foreach (var (text, offset) in Documents(content))
        {
            var stream = new YamlStream();
            var parser = new Parser(new StringReader(text));
            try
            {
                stream.Load(new LimitedYamlParser(parser));
            }
            catch (YamlException e)
            {
                objects.Errors.Add($"{path}:{e.Start.Line + offset}:{e.Start.Column}: invalid YAML: {MessageText.Line(Innermost(e).Message)}; document skipped");
                continue;
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet's scanner throws this (no position) for some unterminated flow collections;
                // the last event it parsed is where the reader gave up.
                var at = parser.Current?.End ?? Mark.Empty;
                objects.Errors.Add($"{path}:{at.Line + offset}:{at.Column}: invalid YAML: unexpected end of a flow collection or scalar; document skipped");
                continue;
            }
            foreach (var document in stream.Documents)
            {
                Collect(document.RootNode, offset, objects);
            }
        }
        return new ManifestFile(path, objects.Services.ToImmutable(), objects.Slices.ToImmutable(), objects.Nodes.ToImmutable(), objects.Errors.ToImmutable())
        {
            Lines = objects.Lines.ToImmutable(),
        };
    }

    /// <summary>
    /// The documents of a multi-document file, each with the number of lines before it. A line starting with "---"
    /// always starts a document (block scalars end there too), so splitting on it is exact.
    /// </summary>
    private static IEnumerable<(string Text, int LineOffset)> Documents(string content)
    {
        var lines = content.Split('\n');
        var start = 0;
        for (var i = 1; i <= lines.Length; i++)
        {
            if (i == lines.Length || (lines[i].StartsWith("---", StringComparison.Ordinal) && (lines[i].Length == 3 || char.IsWhiteSpace(lines[i][3]))))
            {
                yield return (string.Join('\n', lines[start..i]), start);
                start = i;
            }
        }
    }

    private static void Collect(YamlNode? root, int lineOffset, Collected objects)
    {
        if (root is null || (root is YamlScalarNode scalar && string.IsNullOrEmpty(scalar.Value)))
        {
            return; // an empty document, e.g. a file of comments or a trailing "---"
        }
        var line = root.Start.Line + lineOffset;
        var at = $"{objects.Path}:{line}";
        if (root is not YamlMappingNode mapping)
        {
            objects.Errors.Add($"{at}: a Kubernetes object must be a mapping with apiVersion and kind; skipped");
            return;
        }
        var apiVersion = Scalar(mapping, "apiVersion");
        var kind = Scalar(mapping, "kind");
        if (apiVersion is null || kind is null)
        {
            objects.Errors.Add($"{at}: object has no {(apiVersion is null ? "apiVersion" : "kind")}; skipped");
            return;
        }
        try
        {
            switch ((apiVersion, kind))
            {
                case ("v1", "List"):
                    if (mapping.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode sequence)
                    {
                        foreach (var item in sequence)
                        {
                            Collect(item, lineOffset, objects);
                        }
                    }
                    return;
                case ("v1", "Service"):
                    objects.Add(objects.Services, Read<V1Service>(mapping), line);
                    return;
                case ("discovery.k8s.io/v1", "EndpointSlice"):
                    objects.Add(objects.Slices, Read<V1EndpointSlice>(mapping), line);
                    return;
                case ("v1", "Node"):
                    objects.Add(objects.Nodes, Read<V1Node>(mapping), line);
                    return;
                default:
                    return; // a Deployment, ConfigMap, ...: valid in a manifest, not something a proxy reads
            }
        }
        catch (Exception e) when (e is YamlException or FormatException or OverflowException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            // KubernetesClient's deserializer reports a wrong type (a string, float or boolean where an integer belongs)
            // in several ways; any of them means this object cannot be read, and only this object.
            objects.Errors.Add($"{at}: {kind} {MessageText.Quote(Scalar(mapping, "metadata", "name"))} cannot be read: {MessageText.Line(Innermost(e).Message)}; skipped");
        }
    }

    /// <summary>Deserializes one object through KubernetesClient's own YAML settings (int-or-string, quantities...).</summary>
    private static T Read<T>(YamlMappingNode mapping)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(mapping)).Save(writer, assignAnchors: false);
        return KubernetesYaml.Deserialize<T>(writer.ToString());
    }

    private static string? Scalar(YamlMappingNode mapping, params string[] keys)
    {
        YamlNode node = mapping;
        foreach (var key in keys)
        {
            if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }
            node = child;
        }
        return (node as YamlScalarNode)?.Value;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    /// <summary>What a file has given so far.</summary>
    private sealed class Collected(string path)
    {
        public string Path { get; } = path;

        public ImmutableArray<V1Service>.Builder Services { get; } = ImmutableArray.CreateBuilder<V1Service>();

        public ImmutableArray<V1EndpointSlice>.Builder Slices { get; } = ImmutableArray.CreateBuilder<V1EndpointSlice>();

        public ImmutableArray<V1Node>.Builder Nodes { get; } = ImmutableArray.CreateBuilder<V1Node>();

        public ImmutableArray<string>.Builder Errors { get; } = ImmutableArray.CreateBuilder<string>();

        public ImmutableDictionary<object, long>.Builder Lines { get; } = ImmutableDictionary.CreateBuilder<object, long>(ReferenceEqualityComparer.Instance);

        public void Add<T>(ImmutableArray<T>.Builder list, T item, long line)
            where T : class
        {
            list.Add(item);
            Lines[item] = line;
        }
    }
}
