namespace Proxy.Core.Exec;

/// <summary>The executable of a <see cref="Command"/> is not installed (not on PATH).</summary>
public sealed class CommandNotFoundException : Exception
{
    public CommandNotFoundException(string fileName)
        : base($"{fileName}: not found on PATH (install the package that provides it)") => FileName = fileName;

    public CommandNotFoundException(string fileName, Exception inner)
        : base($"{fileName}: not found on PATH (install the package that provides it)", inner) => FileName = fileName;

    public string FileName { get; }
}
