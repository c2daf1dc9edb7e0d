namespace Proxy.Core.Host;

/// <summary>
/// One kernel parameter a mode needs on the node (by /proc/sys path), and why: what a backend sets before it syncs,
/// and what --init-only sets on its own, with full privileges, so that the daemon can run without them.
/// </summary>
/// <param name="IfMissing">When the parameter does not exist (its module is not loaded): the reason that is an error,
/// or null when it is not (the parameter is then skipped).</param>
/// <param name="IfFails">What the operator can do when the write is refused.</param>
public sealed record KernelSetting(string Path, string Value, string Why, string? IfMissing = null, string? IfFails = null);
