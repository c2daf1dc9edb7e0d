namespace Proxy.Core.Backends;

/// <summary>A sync failed and changed nothing (or nothing that the next full sync will not repair).</summary>
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
}
