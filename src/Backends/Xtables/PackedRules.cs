using System.Buffers;
using System.Collections;
using System.Text;

namespace Proxy.Backends.Xtables;

/// <summary>
/// One chain's rules (each the text after <c>-A CHAIN </c>), packed as UTF-8 lines in one array, compared by content.
/// iptables mode keeps every rule it applied between syncs: at 10k services that is 267k rules, which as strings
/// were ~44 MB of UTF-16 text, string headers and arrays of references, and packed are ~19 MB; the payload writer
/// reads the lines without making a string of each (<see cref="WriteAppends"/>). Enumerating or indexing decodes a new
/// string per rule: for comparisons with what iptables-save printed, tests and error messages.
/// </summary>
public sealed class PackedRules : IReadOnlyList<string>, IEquatable<PackedRules>
{
    /// <summary>Every rule followed by '\n'. Never changed after construction.</summary>
    private readonly byte[] text;

    public PackedRules(IEnumerable<string> rules)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var count = 0;
        foreach (var rule in rules)
        {
            // A rule is one line of the payload: a newline in it would be a line of its own, a rule nobody rendered.
            if (rule.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"a rule must be one line: {rule.ReplaceLineEndings(" ")}", nameof(rules));
            }
            var bytes = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(rule.Length) + 1);
            var written = Encoding.UTF8.GetBytes(rule, bytes);
            bytes[written] = (byte)'\n';
            buffer.Advance(written + 1);
            count++;
        }
        text = buffer.WrittenSpan.ToArray();
        Count = count;
    }

    public static PackedRules Empty { get; } = new([]);

    public int Count { get; }

    /// <summary>Rule <paramref name="index"/>, found by scanning the lines before it (for tests and small chains).</summary>
    public string this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var rest = text.AsSpan();
            for (var i = 0; i < index; i++)
            {
                rest = rest[(rest.IndexOf((byte)'\n') + 1)..];
            }
            return Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)'\n')]);
        }
    }

    /// <summary>
    /// Writes the payload's <c>-A CHAIN rule</c> line of every rule into <paramref name="into"/>, as characters (what
    /// the tool's input is made of), without a string for any of them: from byte <paramref name="from"/> (0, or what
    /// the last call returned) until at least <paramref name="atLeast"/> characters are written. Returns where to go
    /// on from, or -1 when every rule is written: a chain of 10k rules (KUBE-SERVICES) goes out in pieces, never in one
    /// buffer of its size.
    /// </summary>
    public int WriteAppends(string chain, IBufferWriter<char> into, int from = 0, int atLeast = int.MaxValue)
    {
        var rest = text.AsSpan(from);
        var written = 0;
        while (!rest.IsEmpty)
        {
            if (written >= atLeast)
            {
                return text.Length - rest.Length;
            }
            var line = rest[..(rest.IndexOf((byte)'\n') + 1)];
            into.Write("-A ");
            into.Write(chain);
            into.Write(" ");
            var chars = into.GetSpan(Encoding.UTF8.GetMaxCharCount(line.Length));
            var decoded = Encoding.UTF8.GetChars(line, chars);
            into.Advance(decoded);
            written += chain.Length + 4 + decoded;
            rest = rest[line.Length..];
        }
        return -1;
    }

    public IEnumerator<string> GetEnumerator()
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = Array.IndexOf(text, (byte)'\n', start);
            yield return Encoding.UTF8.GetString(text, start, end - start);
            start = end + 1;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(PackedRules? other) => other is not null && (ReferenceEquals(this, other) || (Count == other.Count && text.AsSpan().SequenceEqual(other.text)));

    public override bool Equals(object? obj) => Equals(obj as PackedRules);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(text);
        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(", ", this);
}
