namespace Proxy.Core.Backends;

/// <summary>
/// A sync failed and changed nothing (or nothing that the next full sync will not repair). <see cref="PartialSync"/>
/// tells whether it was a partial sync (upstream counts those failures separately).
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
}
