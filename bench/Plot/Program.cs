using System.Globalization;
using Proxy.Bench;
using ScottPlot;

// Usage: dotnet run --project bench/Plot -c Release [-- OUT.png]   (default docs/performance.png)
// Draws full-sync time (solid) and one-endpoint time (dashed) against services, both axes log scale, for every series in
// bench/results/*.tsv: what bench/Iptables and bench/Nftables recorded, and bench/results/ipvs-vm.tsv (ipvs mode,
// measured in the IPVS VM under software emulation, from docs/performance.md). A run that did not finish is a
// triangle at the time it was given.
var root = BenchResults.RepositoryRoot();
if (args is ["soak", ..])
{
    // dotnet run --project bench/Plot -c Release -- soak [OUT.png]   (default docs/soak.png): what bench/Soak recorded.
    return Proxy.Bench.Plot.SoakPlot.Draw(root, args.Length > 1 ? args[1] : Path.Combine(root, "docs", "soak.png"));
}
var output = args.Length > 0 ? args[0] : Path.Combine(root, "docs", "performance.png");
var rows = Directory.GetFiles(Path.Combine(root, "bench", "results"), "*.tsv").Order(StringComparer.Ordinal).SelectMany(f => BenchResults.Read(f))
    .Where(r => !r.Series.Contains("staged", StringComparison.Ordinal)) // in docs/performance.md's table, not the picture
    .ToList();

var plot = new Plot();
var palette = new ScottPlot.Palettes.Category10();
var series = rows.Select(r => Family(r.Series)).Distinct().ToList();
foreach (var (name, index) in series.Select((s, i) => (s, i)))
{
    var color = palette.GetColor(index);
    foreach (var (metric, scale, pattern, label) in new[]
    {
        ("full_sync_s", 1.0, LinePattern.Solid, "full sync"),
        ("one_endpoint_ms", 0.001, LinePattern.Dashed, "one endpoint"),
    })
    {
        foreach (var reference in new[] { false, true })
        {
            var points = rows.Where(r => Family(r.Series) == name && IsReference(r.Series) == reference && r.Metric == metric).OrderBy(r => r.Services).ToList();
            if (points.Count == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(points.Select(p => Math.Log10(p.Services)).ToArray(), points.Select(p => Math.Log10(p.Value * scale)).ToArray());
            line.Color = reference ? color.WithAlpha(0.55) : color;
            line.LinePattern = reference ? LinePattern.Dotted : pattern;
            line.LineWidth = reference ? 1.5f : 2;
            line.MarkerSize = 6;
            line.LegendText = reference ? $"{name}: bare restore of the same payload (upstream's layout)" : $"{name}: {label}";
        }
        foreach (var reference in new[] { false, true })
        {
            var unfinished = rows.Where(r => Family(r.Series) == name && IsReference(r.Series) == reference && r.Metric == "full_sync_unfinished_s").ToList();
            if (metric == "full_sync_s" && unfinished.Count > 0)
            {
                var marks = plot.Add.Markers(unfinished.Select(p => Math.Log10(p.Services)).ToArray(), unfinished.Select(p => Math.Log10(p.Value)).ToArray(),
                    reference ? MarkerShape.OpenTriangleUp : MarkerShape.FilledTriangleUp, 10, color);
                marks.LegendText = reference ? $"{name}: bare restore, one COMMIT, not finished after this long" : $"{name}: full sync not finished after this long";
            }
        }
    }
}

var ticks = new ScottPlot.TickGenerators.NumericAutomatic
{
    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
    IntegerTicksOnly = true,
    LabelFormatter = y => Seconds(Math.Pow(10, y)),
};
plot.Axes.Left.TickGenerator = ticks;
plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
    [.. rows.Select(r => r.Services).Distinct().Order().Select(s => new Tick(Math.Log10(s), s.ToString("N0", CultureInfo.InvariantCulture)))]);
var loads = rows.Select(r => r.Load).Where(l => !double.IsNaN(l)).ToList();
var load = loads.Count == 0 ? "" : $"\nmeasured at load average {loads.Min():F0}–{loads.Max():F0} on 2 cores (a quiet machine is 0–1: re-run bench/scale.sh there)";
plot.Title($"full sync (solid) and one endpoint changed (dashed), N services × 10 endpoints{load}");
plot.XLabel("services (log scale)");
plot.YLabel("time (log scale)");
plot.ShowLegend(Edge.Right);
plot.SavePng(output, 1600, 900);
Console.WriteLine($"wrote {output} from {rows.Count} figures");
return 0;

// "iptables nft bare restore, one COMMIT" → "iptables nft"; the reference of a mode shares its colour.
static string Family(string series) => series.Split(" bare restore")[0].Split(" upstream layout")[0];

static bool IsReference(string series) => series.Contains("bare restore, one COMMIT", StringComparison.Ordinal) || series.Contains("upstream layout", StringComparison.Ordinal);

static string Seconds(double s) => s >= 1 ? $"{s:0.#} s" : $"{s * 1000:0.#} ms";
