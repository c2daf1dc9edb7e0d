using System.Globalization;
using System.Text.RegularExpressions;
using Proxy.Core.Exec;

namespace Proxy.Backends.Xtables;

/// <summary>
/// Turns a failed iptables-restore into one message an operator can act on: the tool's own error and,
/// when it names a line ("line 12 failed"), that line of the payload.
/// </summary>
public static partial class RestoreFailure
{
    public static string Describe(Command command, CommandResult result)
    {
        var error = result.StandardError.Trim();
        // The tool and its verb ("ipset restore"), without the flags that carry no meaning for the operator.
        var name = command.Arguments.Count > 0 && !command.Arguments[0].StartsWith('-') ? $"{command.FileName} {command.Arguments[0]}" : command.FileName;
        var message = $"{name} exited {result.ExitCode}: {(error.Length > 0 ? error : "(no error output)")}";
        var match = LineNumber().Match(error);
        if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var line))
        {
            // The payload is produced again to find the line: it was streamed to the tool, never kept whole.
            if (command.Input?.Line(line) is { } text)
            {
                message += $"; payload line {line}: {text}";
            }
        }
        return message;
    }

    [GeneratedRegex(@"line (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex LineNumber();
}
