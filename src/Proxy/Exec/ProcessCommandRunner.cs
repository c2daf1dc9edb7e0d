using System.ComponentModel;
using System.Diagnostics;
using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Exec;

/// <summary>The real <see cref="ICommandRunner"/>: starts the process, feeds stdin, collects stdout and stderr.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    /// <summary>errno ENOENT, as Process.Start reports a missing executable.</summary>
    private const int NoSuchFile = 2;

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        if (command is { InputFileArgument: { } index, Input: { } input })
        {
            // The whole input goes to a file first: the tool starts only once all of it exists (Command.WriteWhole).
            using var file = await WholeInputFile.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            var arguments = command.Arguments.ToArray();
            arguments[index] = file.Path;
            return await RunProcessAsync(command with { Arguments = EquatableArray.Create<string>(arguments), Input = null, InputFileArgument = null }, cancellationToken)
                .ConfigureAwait(false);
        }
        return await RunProcessAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<CommandResult> RunProcessAsync(Command command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = command.Input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in command.Environment)
        {
            info.Environment.TryAdd(name, value);
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
        if (command.Input is { } input)
        {
            try
            {
                await Task.Run(() => WriteInput(process, input, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // The tool exited before reading all of its input; its exit code and stderr say why.
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // Killed before its input is closed: closing it would end the input early, and the tool would go on
                // with what it has read.
                process.Kill(entireProcessTree: true);
                throw new OperationCanceledException("the command's input was cancelled", e, cancellationToken);
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

    /// <summary>
    /// Writes the input, then closes the tool's input; on a pool thread, so that a blocked pipe only blocks that thread.
    /// It goes to the pipe itself, not through Process.StandardInput, which flushes at every write (AutoFlush): a
    /// syscall per piece. A cancellation kills the tool first, which ends a write blocked on a full pipe.
    /// </summary>
    private static void WriteInput(Process process, CommandInput input, CancellationToken cancellationToken)
    {
        using var killOnCancel = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        input.WriteTo(process.StandardInput.BaseStream, cancellationToken);
    }
}
