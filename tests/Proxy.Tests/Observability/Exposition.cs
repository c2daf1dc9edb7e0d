using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Observability;

/// <summary>Reading a Prometheus text exposition, and upstream's metric reference (testdata/kube-proxy-v1.36-metrics.tsv) to hold it against.</summary>
internal static class Exposition
{
    /// <summary>One metric of upstream's reference: type, sorted label names, buckets, the modes that register it, and what this project lacks ("issue 16", "nfacct").</summary>
    public sealed record Reference(string Name, string Type, string[] Labels, double[] Buckets, string[] Modes, string Note);

    public static IReadOnlyList<Reference> References { get; } =
        [.. File.ReadAllLines(RepositoryPaths.File("tests", "Proxy.Tests", "Observability", "testdata", "kube-proxy-v1.36-metrics.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(c => new Reference(c[0], c[1], Split(c[2]), [.. Split(c[3]).Select(b => double.Parse(b, CultureInfo.InvariantCulture))], Split(c[4]), c[5]))];

    /// <summary>The value of <paramref name="series"/> (name and labels as written), or null when it has no sample.</summary>
    public static double? Sample(string metrics, string series) =>
        metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture) : null;

    /// <summary>Every sample line of <paramref name="name"/> (its _bucket, _sum and _count too), with its label names sorted; a bucket's le left out.</summary>
    public static List<string[]> LabelNames(string metrics, string name) =>
        [.. metrics.Split('\n')
            .Where(l => !l.StartsWith('#') && Regex.IsMatch(l, $"^{Regex.Escape(name)}(_bucket|_sum|_count)?[{{ ]"))
            .Select(l => Regex.Matches(l[..(l.IndexOf('}') is var end and >= 0 ? end : 0)], "([a-zA-Z_][a-zA-Z0-9_]*)=\"")
                .Select(m => m.Groups[1].Value)
                .Where(n => !(n == "le" && l.StartsWith(name + "_bucket", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal)
                .ToArray())];

    /// <summary>The le values of <paramref name="name"/>'s IPv4 buckets, in order.</summary>
    public static double[] Buckets(string metrics, string name) =>
        [.. metrics.Split('\n')
            .Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal) && l.Contains("ip_family=\"IPv4\"", StringComparison.Ordinal))
            .Select(l => Regex.Match(l, "le=\"([^\"]+)\"").Groups[1].Value)
            .Select(v => v == "+Inf" ? double.PositiveInfinity : double.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>"name type" of every family whose name starts with "kube" (upstream's: kubeproxy_*, kubernetes_build_info).</summary>
    public static IEnumerable<string> KubeTypes(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("# TYPE kube", StringComparison.Ordinal)).Select(l => l["# TYPE ".Length..]).Order(StringComparer.Ordinal);

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
