using Proxy.Backends.Xtables;
using Proxy.Core.Backends;
using Proxy.Core.Exec;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// The ipset calls IPVS mode makes: <c>ipset save</c> to read every set, <c>ipset list</c> for names or sizes only,
/// <c>ipset restore</c> to apply one payload.
/// </summary>
public static class IpsetCommands
{
    public const string Tool = "ipset";

    public static async Task<Dictionary<string, HashSet<string>>> ReadAsync(ICommandRunner runner, CancellationToken cancellationToken) =>
        IpsetRestore.Parse(await ReadOutputAsync(runner, cancellationToken, "save").ConfigureAwait(false));

    /// <summary>The names of the kernel's sets (<c>ipset list -n</c>: no contents, so it stays cheap at any size).</summary>
    public static async Task<HashSet<string>> ReadNamesAsync(ICommandRunner runner, CancellationToken cancellationToken) =>
        [.. (await ReadOutputAsync(runner, cancellationToken, "list", "-n").ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// How many entries each of the kernel's sets holds (<c>ipset list -t</c>: headers only, so it stays cheap at any
    /// size). What the drift check compares with what a sync put in our sets.
    /// </summary>
    public static async Task<Dictionary<string, int>> ReadSizesAsync(ICommandRunner runner, CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        string? name = null;
        foreach (var line in (await ReadOutputAsync(runner, cancellationToken, "list", "-t").ConfigureAwait(false)).Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("Name: ", StringComparison.Ordinal))
            {
                name = line["Name: ".Length..];
            }
            else if (name is not null && line.StartsWith("Number of entries: ", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan("Number of entries: ".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                sizes[name] = count;
                name = null;
            }
        }
        return sizes;
    }

    /// <summary>
    /// One <c>ipset restore</c>. It stops at the first line it refuses, keeping the lines before: full syncs swap whole
    /// sets, so each set is either all old or all new, and the next full sync redoes the rest.
    /// </summary>
    public static async Task RestoreAsync(ICommandRunner runner, string payload, bool partial, CancellationToken cancellationToken)
    {
        var command = Command.Write(Tool, payload, "restore");
        var result = await Run(runner, command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ProxySyncException(RestoreFailure.Describe(command, result)) { PartialSync = partial };
        }
    }

    private static async Task<string> ReadOutputAsync(ICommandRunner runner, CancellationToken cancellationToken, params string[] arguments)
    {
        var command = Command.Read(Tool, arguments);
        var result = await Run(runner, command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ProxySyncException($"{command} exited {result.ExitCode}: {result.StandardError.Trim()}");
        }
        return result.StandardOutput;
    }

    private static async Task<CommandResult> Run(ICommandRunner runner, Command command, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandNotFoundException e)
        {
            throw new ProxySyncException($"IPVS mode needs ipset: {e.Message}", e);
        }
    }
}
