using System.Collections.Immutable;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Proxy.Sources;

/// <summary>
/// Reads Kubernetes YAML as <c>kubectl apply</c> accepts it: several documents per file, <c>kind: List</c>,
/// and kinds the proxy does not read (skipped). Pure: text in, objects or an error naming file and line out.
/// A file with any broken document yields no objects, so that a half-read file never removes the rules of
/// the objects it could not read.
/// </summary>
public static class ManifestParser
{
    public static ManifestFile Parse(string path, string content)
    {
        var services = ImmutableArray.CreateBuilder<V1Service>();
        var slices = ImmutableArray.CreateBuilder<V1EndpointSlice>();
        var nodes = ImmutableArray.CreateBuilder<V1Node>();
        var serviceCidrs = ImmutableArray.CreateBuilder<V1ServiceCIDR>();
        // One document at a time: a node tree of a whole 10k-service file would dominate the daemon's memory.
        foreach (var (text, offset) in Documents(content))
        {
            var stream = new YamlStream();
            var parser = new Parser(new StringReader(text));
            try
            {
                stream.Load(parser);
            }
            catch (YamlException e)
            {
                return ManifestFile.Failed(path, $"{path}:{e.Start.Line + offset}:{e.Start.Column}: invalid YAML: {Innermost(e).Message}");
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet's scanner throws this (no position) for some unterminated flow collections;
                // the last event it parsed is where the reader gave up.
                var at = parser.Current?.End ?? Mark.Empty;
                return ManifestFile.Failed(path, $"{path}:{at.Line + offset}:{at.Column}: invalid YAML: unexpected end of a flow collection or scalar");
            }
            foreach (var document in stream.Documents)
            {
                if (Collect(path, document.RootNode, offset, services, slices, nodes, serviceCidrs) is { } error)
                {
                    return ManifestFile.Failed(path, error);
                }
            }
        }
        return new ManifestFile(path, services.ToImmutable(), slices.ToImmutable(), nodes.ToImmutable(), null) { ServiceCIDRs = serviceCidrs.ToImmutable() };
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

    private static string? Collect(
        string path,
        YamlNode? root,
        int lineOffset,
        ImmutableArray<V1Service>.Builder services,
        ImmutableArray<V1EndpointSlice>.Builder slices,
        ImmutableArray<V1Node>.Builder nodes,
        ImmutableArray<V1ServiceCIDR>.Builder serviceCidrs)
    {
        if (root is null || (root is YamlScalarNode scalar && string.IsNullOrEmpty(scalar.Value)))
        {
            return null; // an empty document, e.g. a file of comments or a trailing "---"
        }
        var line = root.Start.Line + lineOffset;
        if (root is not YamlMappingNode mapping)
        {
            return $"{path}:{line}: a Kubernetes object must be a mapping with apiVersion and kind";
        }
        var apiVersion = Scalar(mapping, "apiVersion");
        var kind = Scalar(mapping, "kind");
        if (apiVersion is null || kind is null)
        {
            return $"{path}:{line}: object has no {(apiVersion is null ? "apiVersion" : "kind")}";
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
                            if (Collect(path, item, lineOffset, services, slices, nodes, serviceCidrs) is { } error)
                            {
                                return error;
                            }
                        }
                    }
                    return null;
                case ("v1", "Service"):
                    services.Add(Read<V1Service>(mapping));
                    return null;
                case ("discovery.k8s.io/v1", "EndpointSlice"):
                    slices.Add(Read<V1EndpointSlice>(mapping));
                    return null;
                case ("v1", "Node"):
                    nodes.Add(Read<V1Node>(mapping));
                    return null;
                case ("networking.k8s.io/v1", "ServiceCIDR"):
                    serviceCidrs.Add(Read<V1ServiceCIDR>(mapping));
                    return null;
                default:
                    return null; // a Deployment, ConfigMap, ...: valid in a manifest, not something a proxy reads
            }
        }
        catch (YamlException e)
        {
            return $"{path}:{line}: {kind} \"{Scalar(mapping, "metadata", "name")}\" cannot be read: {Innermost(e).Message}";
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
}
