using Proxy.Core.Model;

namespace Proxy.Core.Exec;

/// <summary>
/// A command line plus optional standard input. <see cref="ChangesKernel"/> is false for commands that only read
/// (iptables-save, nft list): --dry-run runs those and prints the others instead of running them.
/// </summary>
/// <param name="Input">
/// What the tool reads, in pieces: the real runner writes them as they come and never joins them (see
/// <see cref="CommandInput"/>); a string converts to it.
/// </param>
public sealed record Command(string FileName, EquatableArray<string> Arguments, CommandInput? Input, bool ChangesKernel)
{
    public static Command Read(string fileName, params ReadOnlySpan<string> arguments) =>
        new(fileName, EquatableArray.Create(arguments), null, ChangesKernel: false);

    public static Command Write(string fileName, CommandInput standardInput, params ReadOnlySpan<string> arguments) =>
        new(fileName, EquatableArray.Create(arguments), standardInput, ChangesKernel: true);

    /// <summary>
    /// The whole input joined into one string, or null without one: for fakes, tests and --dry-run. Each reading
    /// joins it again; the real runner streams <see cref="Input"/> instead.
    /// </summary>
    public string? StandardInput => Input?.Text;

    /// <summary>
    /// Like <see cref="Write"/> for a tool that applies whatever it has read when its input ends (nft -f): the
    /// argument <c>-</c> names the input, and the real runner replaces it with a file that already holds the whole
    /// input, so the tool never starts on half of it. Fed through a pipe, a writer killed mid-write (SIGKILL, or a
    /// shutdown cancelling the write) ends the input early, and a cut that falls between two lines is a smaller
    /// transaction that nft applies. iptables-restore needs none of this: a table without its COMMIT is not applied.
    /// </summary>
    public static Command WriteWhole(string fileName, CommandInput input, params ReadOnlySpan<string> arguments)
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
    /// file holding all of <see cref="Input"/>, written before the tool starts.
    /// </summary>
    public int? InputFileArgument { get; init; }

    /// <summary>
    /// Variables the tool should run with, each only where the proxy's own environment does not set it already (an
    /// operator's value wins). Defaults, not configuration: a runner that cannot set them runs the tool without.
    /// </summary>
    public EquatableArray<(string Name, string Value)> Environment { get; init; } = EquatableArray<(string, string)>.Empty;

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments)}";
}
