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

    public override string ToString() => Arguments.Count == 0 ? FileName : $"{FileName} {string.Join(' ', Arguments)}";
}
