using Microsoft.Extensions.Logging;
using Proxy.Core.Exec;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Runs <c>iptables</c>, <c>iptables-save</c>, <c>iptables-restore</c> and their ip6tables twins in the iptables backend
/// this node already uses, as upstream's image does with its iptables-wrapper: the first such command decides the
/// backend once for the whole process (<see cref="IptablesSelection"/>), logs which and why, and every later one, for
/// both families and every mode, runs there — never a mix. Any other command passes through unchanged.
/// </summary>
public sealed partial class IptablesWrapper(ICommandRunner inner, IptablesVariant? forced, ILogger<IptablesWrapper> logger) : ICommandRunner
{
    /// <summary>The environment variable that overrides the choice: <c>nft</c>, <c>legacy</c>, or <c>auto</c> (the default).</summary>
    public const string Variable = "KUBE_PROXY_SHARP_IPTABLES_BACKEND";

    private static readonly string[] Tools = ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"];

    private readonly SemaphoreSlim deciding = new(1, 1);
    private IptablesSelection? selection;

    /// <summary>Parses <see cref="Variable"/>'s value: null or empty is <c>auto</c>.</summary>
    /// <returns>False for a value that is none of <c>auto</c>, <c>nft</c>, <c>legacy</c>.</returns>
    public static bool TryParse(string? value, out IptablesVariant? forced)
    {
        forced = null;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                return true;
            case "nft":
                forced = IptablesVariant.Nft;
                return true;
            case "legacy":
                forced = IptablesVariant.Legacy;
                return true;
            default:
                return false;
        }
    }

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        if (!Tools.Contains(command.FileName))
        {
            return await inner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        }
        var chosen = await SelectAsync(cancellationToken).ConfigureAwait(false);
        return await inner.RunAsync(command with { FileName = chosen.Executable(command.FileName) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The backend in use, decided on first use.</summary>
    public async Task<IptablesSelection> SelectAsync(CancellationToken cancellationToken)
    {
        if (selection is { } known)
        {
            return known;
        }
        await deciding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (selection is null)
            {
                selection = forced is { } variant
                    ? new IptablesSelection(variant, $"set by {Variable}={variant.ToString().ToLowerInvariant()}")
                    : await DetectAsync(cancellationToken).ConfigureAwait(false);
                LogSelected(logger, selection.Executable("iptables-restore"), selection.Reason, Variable);
            }
            return selection;
        }
        finally
        {
            deciding.Release();
        }
    }

    private Task<IptablesSelection> DetectAsync(CancellationToken cancellationToken) => IptablesSelection.DecideAsync(
        () => SaveAsync(IptablesVariant.Nft, ["-t", "mangle"], cancellationToken),
        () => SaveAsync(IptablesVariant.Legacy, [], cancellationToken),
        () => SaveAsync(IptablesVariant.Nft, [], cancellationToken));

    /// <summary>Both families' save output in one backend; null when its tools are not installed. Errors read as empty.</summary>
    private async Task<string?> SaveAsync(IptablesVariant variant, string[] arguments, CancellationToken cancellationToken)
    {
        var text = "";
        var found = false;
        foreach (var tool in (string[])["iptables-save", "ip6tables-save"])
        {
            try
            {
                var result = await inner.RunAsync(Command.Read(IptablesSelection.Executable(tool, variant), arguments), cancellationToken).ConfigureAwait(false);
                found = true;
                text += result.Succeeded ? result.StandardOutput : "";
            }
            catch (CommandNotFoundException)
            {
                // ip6tables may be missing where iptables is not; the family that is there still counts.
            }
        }
        return found ? text : null;
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "iptables backend: {Restore} ({Reason}); set {Variable}=nft or =legacy to override")]
    private static partial void LogSelected(ILogger logger, string restore, string reason, string variable);
}
