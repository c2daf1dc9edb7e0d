using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// A sync failed and changed nothing (or nothing that the next full sync will not repair). <see cref="PartialSync"/>
/// tells whether it was a partial sync (upstream counts those failures separately); <see cref="Family"/> which IP
/// family's sync failed, when the failure belongs to one (upstream counts failures per family).
/// </summary>
public sealed class ProxySyncException : Exception
{
    public ProxySyncException(string message)
        : base(message)
    {
    }

    public ProxySyncException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public bool PartialSync { get; init; }

    /// <summary>Null for a failure that stops the sync of every family alike (IPVS missing from the kernel, say).</summary>
    public IpFamily? Family { get; init; }

    /// <summary>
    /// This failure as one of <paramref name="family"/>'s sync: backends wrap each family's work with it, so the tools
    /// below them need not know the family. A failure that already names its family is returned as it is; otherwise
    /// the same message with this one inside, so nothing of where it was thrown is lost.
    /// </summary>
    public ProxySyncException InFamily(IpFamily family) =>
        Family is not null ? this : new ProxySyncException(Message, this) { PartialSync = PartialSync, Family = family };
}
