using System.Globalization;
using Proxy.Cli;
using Proxy.Configuration;

namespace Proxy.Tests.Cli;

/// <summary>
/// Upstream's complete flag list (testdata/kube-proxy-v1.31-flags.tsv, with the release it came from): every flag is
/// in the table, parses in each of upstream's spellings, and lands where upstream puts it. And the argument lists of
/// real DaemonSets start.
/// </summary>
public sealed class UpstreamFlagsTests : IDisposable
{
    private static readonly string Kubeadm = RepositoryPaths.File("tests", "Proxy.Tests", "Configuration", "testdata", "kubeadm-v1.32-init-defaults.yaml");

    private readonly string dir = Directory.CreateTempSubdirectory("kps-upstream-flags-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private sealed record Row(string Flag, string Type, string Default, string Example, string LandsIn, string Expected, string Also);

    private static IReadOnlyList<Row> Rows { get; } =
        [.. File.ReadAllLines(RepositoryPaths.File("tests", "Proxy.Tests", "Cli", "testdata", "kube-proxy-v1.31-flags.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(c => new Row(c[0], c[1], c[2], c[3].Replace("{kubeadm-config}", Kubeadm, StringComparison.Ordinal), c[4],
                c[5].Replace("{kubeadm-config}", Kubeadm, StringComparison.Ordinal), c[6]))];

    public static TheoryData<string> FlagNames => [.. Rows.Select(r => r.Flag)];

    [Fact]
    public void TheTableHasEveryUpstreamFlagAndNoOtherButOurs()
    {
        Assert.Equal(66, Rows.Count);
        Assert.Equal(
            Rows.Select(r => r.Flag).Order(StringComparer.Ordinal),
            Flags.All.Where(f => !f.Ours).Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Rows.Where(r => r.Also == "hidden").Select(r => r.Flag), Flags.All.Where(f => f.Deprecated).Select(f => f.Name));
    }

    /// <summary>
    /// Each flag in upstream's spellings: <c>--flag=value</c>, <c>--flag value</c> (not for booleans, which never take the
    /// next argument), with <c>_</c> and <c>-</c> swapped, and bare for a boolean given true; each lands in its field.
    /// </summary>
    [Theory]
    [MemberData(nameof(FlagNames))]
    public void EachFlagParsesInUpstreamsSpellingsAndLandsInItsField(string name)
    {
        var row = Rows.Single(r => r.Flag == name);
        var flag = Flags.All.Single(f => f.Name == name);
        string[] also = row.Also.StartsWith("--", StringComparison.Ordinal) ? [row.Also] : [];
        var swapped = name.Contains('_', StringComparison.Ordinal) ? name.Replace('_', '-') : name.Replace('-', '_');
        List<string[]> spellings = [[$"--{name}={row.Example}"], [$"--{swapped}={row.Example}"]];
        if (row.Type != "bool" && row.Type != "version[=true]")
        {
            spellings.Add([$"--{name}", row.Example]);
        }
        else if (row.Example == "true")
        {
            spellings.Add([$"--{name}"]);
        }
        if (flag.Shorthand is { } shorthand)
        {
            spellings.Add([$"-{shorthand}={row.Example}"]);
        }

        foreach (var spelling in spellings)
        {
            var (options, error) = Flags.Parse([.. also, .. spelling]);

            Assert.True(error is null, $"{string.Join(' ', spelling)}: {error}");
            Assert.Equal(row.Example, options!.GivenFlags[name]);
            switch (row.LandsIn.Split(':', 2))
            {
                case ["field", var field]:
                    Assert.Equal(row.Expected, ConfigurationFields.Get(options.Config, field));
                    Assert.True(flag.Field != field || options.IsGiven(field), $"{field} is not marked as given");
                    break;
                case ["option", var property]:
                    var value = typeof(ProxyOptions).GetProperty(property)!.GetValue(options);
                    Assert.Equal(row.Expected, value is bool b ? (b ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
                case ["klog"]:
                    Assert.Equal(FlagScope.Klog, flag.Scope);
                    // A klog flag whose effect is not here is named in a warning when its value asks for that effect.
                    var warned = Flags.MissingFlagEffects(options).Any(m => m.Flag == name);
                    Assert.Equal(flag.Missing is { } missing && missing.AsksFor(row.Example), warned);
                    break;
                default:
                    Assert.Fail($"{name}: unknown landing {row.LandsIn}");
                    break;
            }
        }
    }

    /// <summary>A configuration flag the user did not give is not marked as given: only what was asked for can warn.</summary>
    [Fact]
    public void NoFlagsMeansNoFieldIsGiven()
    {
        var (options, _) = Flags.Parse([]);

        Assert.Empty(options!.GivenFields);
        Assert.Empty(options.GivenFlags);
    }

    private static string[] Args(string file) =>
        [.. File.ReadAllLines(RepositoryPaths.File("tests", "Proxy.Tests", "Cli", "testdata", file)).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    public static TheoryData<string> DaemonSets => ["daemonset-kubeadm-v1.32.args", "daemonset-gke-v1.20.args"];

    /// <summary>
    /// A real DaemonSet's arguments parse, and the proxy starts with them: a --dry-run --once sync of manifests (which
    /// replace the API server they name) succeeds.
    /// </summary>
    [Theory]
    [MemberData(nameof(DaemonSets))]
    public async Task ADaemonSetsArgumentsStart(string file)
    {
        var config = Path.Combine(dir, "config.conf");
        File.Copy(Kubeadm, config);
        var args = Args(file).Select(a => a.Replace("/var/lib/kube-proxy/config.conf", config, StringComparison.Ordinal).Replace("$(NODE_NAME)", "node-1", StringComparison.Ordinal)).ToArray();
        var manifests = Directory.CreateDirectory(Path.Combine(dir, "manifests")).FullName;
        File.WriteAllText(Path.Combine(manifests, "web.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n");

        var (options, error) = Flags.Parse(args);
        Assert.True(error is null, error);
        Assert.Empty(options!.IgnoredFlags);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ProxyCommand.RunAsync([.. args, "--hostname-override=node-1", "--dry-run", "--once", "--manifests", manifests], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == ProxyCommand.ExitOk, stderr.ToString());
        Assert.Contains("default/web", stdout.ToString());
    }
}
