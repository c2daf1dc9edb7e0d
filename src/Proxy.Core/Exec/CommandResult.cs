namespace Proxy.Core.Exec;

/// <summary>What a finished command returned.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public static CommandResult Ok(string standardOutput = "") => new(0, standardOutput, "");
}
