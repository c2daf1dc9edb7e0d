namespace Proxy.Core.Exec;

/// <summary>
/// A tool's standard input as the pieces of text it is made of, produced again each time it is read. A full sync's
/// payload is tens of MiB of text (iptables-restore at 10k services: ~28M characters); joined into one string it
/// would be a second copy of every rule at the sync's peak, so the real runner writes the pieces straight to the
/// tool (or its input file) and no whole text exists. <see cref="Text"/> joins them, for fakes, --dry-run and
/// anything else that wants the text; <see cref="Line"/> finds one line again for an error message.
/// </summary>
public sealed class CommandInput : IEquatable<CommandInput>
{
    private readonly Func<IEnumerable<ReadOnlyMemory<char>>> pieces;

    private CommandInput(Func<IEnumerable<ReadOnlyMemory<char>>> pieces) => this.pieces = pieces;

    /// <summary>
    /// Input produced by <paramref name="pieces"/>, called once per reading: whatever it reads must not change
    /// until the command has run. A piece is valid until the next one is asked for (a producer may reuse one buffer),
    /// so a reader copies or writes each piece before moving on, and never keeps them.
    /// </summary>
    public static CommandInput FromPieces(Func<IEnumerable<ReadOnlyMemory<char>>> pieces) => new(pieces);

    public static CommandInput FromText(string text) => new(() => [text.AsMemory()]);

    public static implicit operator CommandInput(string text) => FromText(text);

    /// <summary>UTF-8 without a byte-order mark: what the tools read.</summary>
    private static readonly System.Text.Encoding Utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Characters buffered before a write: a payload of millions of small pieces makes few syscalls.</summary>
    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Writes the pieces as they come, UTF-8 through a buffer of its own, then closes <paramref name="stream"/> (a
    /// tool's standard input, or its input file). Synchronous: a full sync writes millions of small pieces, and a caller
    /// that must not block puts this on a thread of its own. Cancellation is checked between pieces.
    /// </summary>
    public void WriteTo(Stream stream, CancellationToken cancellationToken)
    {
        using var writer = new StreamWriter(stream, Utf8, BufferSize);
        foreach (var piece in Pieces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Write(piece.Span);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The pieces in order; each enumeration produces them again.</summary>
    public IEnumerable<ReadOnlyMemory<char>> Pieces => pieces();

    /// <summary>The whole text, joined (a copy of the whole input: not for the real runner's way).</summary>
    public string Text
    {
        get
        {
            var length = 0L;
            foreach (var piece in Pieces)
            {
                length += piece.Length;
            }
            return string.Create(checked((int)length), this, static (span, input) =>
            {
                foreach (var piece in input.Pieces)
                {
                    piece.Span.CopyTo(span);
                    span = span[piece.Length..];
                }
            });
        }
    }

    /// <summary>Line <paramref name="number"/> (1-based) without its newline, or null past the end.</summary>
    public string? Line(int number)
    {
        if (number < 1)
        {
            return null;
        }
        var current = 1;
        var line = new System.Text.StringBuilder();
        foreach (var piece in Pieces)
        {
            var rest = piece.Span;
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOf('\n');
                var part = end < 0 ? rest : rest[..end];
                if (current == number)
                {
                    line.Append(part);
                }
                if (end < 0)
                {
                    break;
                }
                if (current == number)
                {
                    return line.ToString();
                }
                current++;
                rest = rest[(end + 1)..];
            }
        }
        // The last line has no newline after it; a payload that ends with one has no line past it.
        return current == number && line.Length > 0 ? line.ToString() : null;
    }

    public bool Equals(CommandInput? other) => other is not null && (ReferenceEquals(this, other) || Text == other.Text);

    public override bool Equals(object? obj) => Equals(obj as CommandInput);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;
}
