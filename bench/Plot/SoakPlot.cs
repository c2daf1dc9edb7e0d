using System.Globalization;
using ScottPlot;

namespace Proxy.Bench.Plot;

/// <summary>
/// Draws what bench/Soak recorded (bench/results/soak/MODE.tsv): the daemon's RSS, open fds and sync times against
/// minutes of churn, one row each, one line per mode. Growth would show as a slope in the first two rows.
/// </summary>
internal static class SoakPlot
{
    public static int Draw(string root, string output)
    {
        var files = Directory.GetFiles(Path.Combine(root, "bench", "results", "soak"), "*.tsv").Order(StringComparer.Ordinal).ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        var rows = new (string Column, string Label)[] { ("rss_mib", "RSS (MiB)"), ("fds", "open fds"), ("sync_median_ms", "sync time (ms)") };
        var palette = new ScottPlot.Palettes.Category10();
        var headers = new List<string>();
        foreach (var (file, index) in files.Select((f, i) => (f, i)))
        {
            var mode = Path.GetFileNameWithoutExtension(file);
            var lines = File.ReadAllLines(file);
            headers.Add(lines.FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#', ' ') ?? mode);
            var header = lines.First(l => l.StartsWith("minute", StringComparison.Ordinal)).Split('\t');
            var data = lines.Where(l => l.Length > 0 && char.IsDigit(l[0])).Select(l => l.Split('\t').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
            double[] Column(string name) => [.. data.Select(d => d[Array.IndexOf(header, name)])];
            var minutes = Column("minute");
            foreach (var (row, (column, label)) in rows.Select((r, i) => (i, r)))
            {
                var plot = multiplot.GetPlot(row);
                // The first sample holds the first full sync (seconds): left out of the sync row, whose scale is the churn's.
                var skip = column == "sync_median_ms" ? 1 : 0;
                var x = minutes[skip..];
                var values = Column(column)[skip..];
                var top = values.Max();
                if (column == "sync_median_ms")
                {
                    var max = plot.Add.Scatter(x, Column("sync_max_ms")[skip..]);
                    max.Color = palette.GetColor(index).WithAlpha(0.4);
                    max.LinePattern = LinePattern.Dotted;
                    max.LegendText = $"{mode}: slowest sync in each 15 s";
                    top = Math.Max(top, Column("sync_max_ms")[skip..].Max());
                }
                var line = plot.Add.Scatter(x, values);
                line.Color = palette.GetColor(index);
                line.LegendText = column == "sync_median_ms" ? $"{mode}: median sync in each 15 s" : mode;
                plot.YLabel(label);
                plot.Axes.Bottom.Label.Text = "minutes of churn";
                plot.Axes.SetLimitsY(0, Math.Max(plot.Axes.GetLimits().Top, top * 1.15));
            }
        }
        foreach (var plot in multiplot.GetPlots())
        {
            plot.ShowLegend(Edge.Right);
        }
        multiplot.GetPlot(0).Title(string.Join("\n", headers));
        multiplot.SavePng(output, 1400, 1100);
        Console.WriteLine($"wrote {output} from {files.Count} soak runs");
        return 0;
    }
}
