using System.Diagnostics;
using Proxy.Core.Exec;

namespace Proxy.Backends.Testing;

/// <summary>
/// The real kernel tools, run inside a test's namespace, with a seam that rewrites each payload before the tool reads
/// it: how a kernel test makes the tool refuse one service's rules (content that passes our validation and that
/// the tool refuses cannot be written on purpose, or it would be validated).
/// </summary>
internal sealed class NamespaceCommandRunner(KernelNamespace ns, Func<string, string>? rewrite = null) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", ns.Name, command.FileName, .. command.Arguments])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var input = command.StandardInput is { } text && rewrite is not null ? rewrite(text) : command.StandardInput;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        return new CommandResult(process.ExitCode, await output, await error);
    }
}
