using System.ComponentModel;
using System.Diagnostics;
using Proxy.Core.Exec;

namespace Proxy.Exec;

/// <summary>The real <see cref="ICommandRunner"/>: starts the process, feeds stdin, collects stdout and stderr.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    /// <summary>errno ENOENT, as Process.Start reports a missing executable.</summary>
    private const int NoSuchFile = 2;

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = command.StandardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e) when (e.NativeErrorCode == NoSuchFile)
        {
            throw new CommandNotFoundException(command.FileName, e);
        }

        // Read both pipes while writing stdin: a large payload must not deadlock against a full output pipe.
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (command.StandardInput is not null)
        {
            try
            {
                await process.StandardInput.WriteAsync(command.StandardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited before reading all of its input; its exit code and stderr say why.
            }
        }
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
