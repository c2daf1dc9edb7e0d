namespace Proxy.Core.Exec;

/// <summary>
/// The one seam through which backends run kernel tools (iptables-restore, nft, ...).
/// The real implementation starts a process; tests use a stateful fake; --dry-run prints.
/// </summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="command"/> to completion. A non-zero exit is returned, not thrown;
    /// a missing executable throws <see cref="CommandNotFoundException"/>.
    /// </summary>
    Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken);
}
