using System.Text;

namespace Proxy.Cli;

/// <summary>The flag table as --help prints it and as the README shows it: both made from <see cref="FlagTable.All"/>.</summary>
public static class FlagDocs
{
    /// <summary>The --help text: usage, then every flag (upstream's deprecated ones left out, as upstream) with its default and status.</summary>
    public static string HelpText()
    {
        var text = new StringBuilder("kube-proxy-sharp: a drop-in replacement for kube-proxy.\n\nUsage: kube-proxy-sharp [flags]\n\nFlags:\n");
        foreach (var flag in Listed())
        {
            var head = (flag.Shorthand is { } s ? $"  -{s}, " : "      ") + $"--{flag.Name}" + (flag.IsBoolean ? "" : $" {flag.ValueName}");
            text.Append($"{head,-44} {flag.Help}");
            if (flag.DefaultText.Length > 0)
            {
                text.Append($" (default {flag.DefaultText})");
            }
            if (Flags.NotImplemented(flag) is { } missing)
            {
                text.Append($" [not implemented yet: {missing}]");
            }
            text.Append('\n');
        }
        text.Append("\nNames take _ or - alike. Also accepted: ").Append(string.Join(", ", FlagTable.Aliases.Keys.Select(a => "--" + a)))
            .Append(", and upstream's deprecated port flags (--healthz-port, --metrics-port).\n");
        return text.ToString();
    }

    /// <summary>The README's flag table (Markdown): flag, default, the field it lands in, status and meaning.</summary>
    public static string MarkdownTable()
    {
        var text = new StringBuilder("| flag | default | field | status | meaning |\n|---|---|---|---|---|\n");
        foreach (var flag in Listed())
        {
            var name = $"`--{flag.Name}{(flag.IsBoolean ? "" : " " + flag.ValueName)}`";
            var field = flag.Field is { } f ? $"`{f}`" : flag.Scope == FlagScope.Klog ? "(klog)" : "";
            var status = Flags.NotImplemented(flag) is { } missing ? $"not implemented yet: {missing}" : flag.Ours ? "works (ours)" : "works";
            var help = flag.Help.Replace("|", "\\|", StringComparison.Ordinal);
            text.Append($"| {name} | {(flag.DefaultText.Length == 0 ? "" : $"`{flag.DefaultText}`")} | {field} | {status} | {help} |\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// /flagz, as component-base's flagz page: a title, a warning that it is for people, then every flag with its value
    /// (the one given, else the default), one per line in name order.
    /// </summary>
    public static string Flagz(ProxyOptions options)
    {
        var text = new StringBuilder("kube-proxy flags\nWarning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.\n\n");
        foreach (var flag in Flags.All.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(flag.Name).Append('=').Append(options.GivenFlags.GetValueOrDefault(flag.Name, flag.DefaultText)).Append('\n');
        }
        return text.ToString();
    }

    private static IEnumerable<FlagDefinition> Listed() => Flags.All.Where(f => !f.Deprecated).OrderBy(f => f.Name, StringComparer.Ordinal);
}
