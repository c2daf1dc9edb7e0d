using Proxy.Core.Model;

namespace Proxy.Core.Exec;

/// <summary>
/// A command line plus optional standard input. <see cref="ChangesKernel"/> is false for commands that only read
/// (iptables-save, nft list): --dry-run runs those and prints the others instead of running them.
/// </summary>
public sealed record Command(string FileName, EquatableArray<string> Arguments, string? StandardInput, bool ChangesKernel)
{
    public static Command Read(string fileName, params ReadOnlySpan<string> arguments) =>
        new(fileName, EquatableArray.Create(arguments), null, ChangesKernel: false);

    public static Command Write(string fileName, string standardInput, params ReadOnlySpan<string> arguments) =>
        new(fileName, EquatableArray.Create(arguments), standardInput, ChangesKernel: true);

    /// <summary>
    /// Like <see cref="Write"/> for a tool that applies whatever it has read when its input ends (nft -f): the
    /// argument <c>-</c> names the input, and the real runner replaces it with a file that already holds the whole
    /// input, so the tool never starts on half of it. Fed through a pipe, a writer killed mid-write (SIGKILL, or a
    /// shutdown cancelling the write) ends the input early, and a cut that falls between two lines is a smaller
    /// transaction that nft applies. iptables-restore needs none of this: a table without its COMMIT is not applied.
    /// </summary>
    public static Command WriteWhole(string fileName, string input, params ReadOnlySpan<string> arguments)
    {
        var index = arguments.IndexOf(StandardInputArgument);
        if (index < 0)
        {
            throw new ArgumentException($"{fileName}: no \"{StandardInputArgument}\" argument to name the input", nameof(arguments));
        }
        return new(fileName, EquatableArray.Create(arguments), input, ChangesKernel: true) { InputFileArgument = index };
    }

    /// <summary>The argument by which a tool is told to read standard input.</summary>
    public const string StandardInputArgument = "-";

    /// <summary>
    /// Set by <see cref="WriteWhole"/>: the index of the argument (<c>-</c>) that a runner may replace with the path of a
    /// file holding all of <see cref="StandardInput"/>, written before the tool starts.
    /// </summary>
    public int? InputFileArgument { get; init; }

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments)}";
}
