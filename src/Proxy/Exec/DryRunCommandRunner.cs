using Proxy.Core.Exec;

namespace Proxy.Exec;

/// <summary>
/// --dry-run: commands that only read the kernel run for real (so the payload is the one that would be
/// applied here); commands that would change it are printed to <paramref name="output"/> instead, with
/// their standard input. A read that cannot run (tool missing, not root) reads as empty, with a comment
/// saying so, so that a dry run also works on a machine without the tools.
/// </summary>
public sealed class DryRunCommandRunner(ICommandRunner inner, TextWriter output) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        if (command.ChangesKernel)
        {
            await output.WriteLineAsync($"# {command}".AsMemory(), cancellationToken).ConfigureAwait(false);
            foreach (var piece in command.Input?.Pieces ?? [])
            {
                await output.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return CommandResult.Ok();
        }
        string reason;
        try
        {
            var result = await inner.RunAsync(command, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return result;
            }
            reason = $"exited {result.ExitCode}: {result.StandardError.Trim()}";
        }
        catch (CommandNotFoundException e)
        {
            reason = e.Message;
        }
        await output.WriteLineAsync($"# dry run: `{command}` failed ({reason}); assuming the kernel holds none of our rules".AsMemory(), cancellationToken).ConfigureAwait(false);
        return CommandResult.Ok();
    }
}
