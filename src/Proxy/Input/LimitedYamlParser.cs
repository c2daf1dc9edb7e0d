using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Proxy.Input;

/// <summary>
/// A YAML event stream with limits, for files the proxy reads (manifests, --config): anything past a limit is a
/// <see cref="YamlException"/> at the place it happens, like any other YAML error. YamlDotNet's representation model
/// loads nested nodes recursively, so a few thousand <c>[</c> overflow the stack and end the process, which no catch
/// can stop: the depth limit stops reading before that. Aliases are kept as references when loading but expanded when
/// an object is written back out to be deserialized, so a few lines of nested aliases ("billion laughs") would become
/// gigabytes: what aliases expand to is counted and limited too.
/// </summary>
public sealed class LimitedYamlParser(IParser inner) : IParser
{
    /// <summary>Collections inside collections. A Kubernetes object, managed fields included, is nowhere near.</summary>
    public const int MaxDepth = 100;

    /// <summary>Nodes that aliases stand for, in one document. A manifest that shares a few labels by anchor is far below.</summary>
    public const long MaxAliasedNodes = 100_000;

    private readonly Stack<(string? Anchor, long Nodes)> open = new();
    private readonly Dictionary<string, long> anchors = new(StringComparer.Ordinal);
    private long aliased;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }
        switch (inner.Current)
        {
            case DocumentStart:
                anchors.Clear();
                aliased = 0;
                break;
            case NodeEvent { } node when node is MappingStart or SequenceStart:
                if (open.Count == MaxDepth)
                {
                    throw new YamlException(node.Start, node.End, $"collections are nested more than {MaxDepth} deep");
                }
                open.Push((node.Anchor.IsEmpty ? null : node.Anchor.Value, 1));
                break;
            case MappingEnd or SequenceEnd when open.Count > 0:
                var (anchor, nodes) = open.Pop();
                Count(anchor, nodes);
                break;
            case Scalar scalar:
                Count(scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value, 1);
                break;
            case AnchorAlias alias:
                // An unknown anchor is YamlDotNet's own error, reported when the alias is resolved.
                var expands = anchors.GetValueOrDefault(alias.Value.Value);
                aliased = Math.Min(aliased + expands, long.MaxValue / 2);
                if (aliased > MaxAliasedNodes)
                {
                    throw new YamlException(alias.Start, alias.End, $"aliases expand to more than {MaxAliasedNodes} nodes");
                }
                Count(null, expands);
                break;
        }
        return true;
    }

    /// <summary>Adds a finished node (of <paramref name="nodes"/> nodes, aliases expanded) to its parent, and remembers its anchor.</summary>
    private void Count(string? anchor, long nodes)
    {
        if (anchor is not null)
        {
            anchors[anchor] = nodes;
        }
        if (open.Count > 0)
        {
            var (parentAnchor, parentNodes) = open.Pop();
            open.Push((parentAnchor, Math.Min(parentNodes + nodes, long.MaxValue / 2)));
        }
    }
}
