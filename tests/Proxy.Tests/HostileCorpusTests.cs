using System.Net;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;
using Proxy.Tests.Input;

namespace Proxy.Tests;

/// <summary>
/// The hostile corpus (testdata/hostile): malformed and malicious objects and manifest files, each next to a valid
/// Service that must survive, run through every mode's <c>--dry-run --once --manifests</c> together, as an attacker
/// or an unlucky operator would hand them to the proxy. Each file says in its header what it tries, the warning or
/// error that must name it (<c># expect:</c>), what must never reach a payload (<c># forbid:</c>), what must (<c># require:</c>,
/// <c># survivor:</c>). Every injection attempt carries the word INJECTED, which no payload line may hold.
/// </summary>
/// <remarks>
/// ipvs mode's dry run works on a machine without the ip_vs module (as this one, and most CI runners): it reads the
/// IPVS table through netlink, the IPVS generic-netlink family is missing (ENOENT), and DryRunIpvsClient says so in a
/// comment line and plans against an empty table; everything else it prints (ipset restore, iptables-restore, link and
/// address changes) does not need the module.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class HostileCorpusTests : IDisposable
{
    private const string Marker = "INJECTED";

    private static readonly string Corpus = RepositoryPaths.File("tests", "Proxy.Tests", "testdata", "hostile");

    private readonly string dir = Directory.CreateTempSubdirectory("kps-hostile-").FullName;

    public static TheoryData<string> Modes => ["iptables", "nftables", "ipvs"];

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TheCorpusHoldsAtLeast80Entries_EachWithASurvivorAndAWarningOrACheckOnThePayload()
    {
        var entries = CheckedIn();

        Assert.True(entries.Count >= 80, $"{entries.Count} entries");
        Assert.All(entries, e =>
        {
            Assert.NotEmpty(e.Survivors);
            Assert.True(e.Expect.Length > 0 || e.Require.Length > 0, $"{e.Name} checks nothing");
        });
        Assert.Equal(entries.Count, entries.Select(e => e.Survivors[0]).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryModesDryRunProgramsTheSurvivors_NamesTheBadOnes_AndPrintsNothingTheCorpusPutThere(string mode)
    {
        var entries = CheckedIn();
        foreach (var file in Directory.GetFiles(Corpus))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
        entries.AddRange(Generated());

        var (exit, payload, log) = await ProxyProcess.RunAsync(
            ["--dry-run", "--once", "--proxy-mode", mode, "--manifests", dir, "--hostname-override", "node-1", "--cluster-cidr", "10.244.0.0/16"],
            TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, $"exit {exit}\n{log}");
        Assert.DoesNotContain("Unhandled exception", log);
        var problems = new List<string>();
        foreach (var line in payload.Split('\n'))
        {
            if (line.Contains(Marker, StringComparison.Ordinal) || line.Trim() == "flush ruleset")
            {
                problems.Add($"payload line the corpus wrote: {line}");
            }
        }
        foreach (var entry in entries)
        {
            var required = entry.Survivors.Concat(entry.Require).Concat(entry.RequireInMode.GetValueOrDefault(mode) ?? []);
            problems.AddRange(required.Where(r => !Mentions(payload, r)).Select(r => $"{entry.Name}: {r} is not programmed"));
            problems.AddRange(entry.Forbid.Where(f => Mentions(payload, f)).Select(f => $"{entry.Name}: {f} reached the payload"));
            problems.AddRange(entry.Expect.Where(x => !log.Contains(x, StringComparison.Ordinal)).Select(x => $"{entry.Name}: no warning or error says {x}"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems) + $"\n--- stderr:\n{log}");
    }

    /// <summary>
    /// Whether <paramref name="payload"/> holds <paramref name="text"/>: an address as a whole address (10.97.0.1 is not in
    /// 10.97.0.10), anything else as a substring.
    /// </summary>
    private static bool Mentions(string payload, string text)
    {
        if (!IPAddress.TryParse(text, out _))
        {
            return payload.Contains(text, StringComparison.Ordinal);
        }
        var pattern = text.Contains(':', StringComparison.Ordinal)
            ? $"(?<![0-9a-fA-F:]){Regex.Escape(text)}(?![0-9a-fA-F:])"
            : $"(?<![0-9.]){Regex.Escape(text)}(?![0-9]|\\.[0-9])";
        return Regex.IsMatch(payload, pattern);
    }

    /// <summary>The checked-in entries: every file with a <c># hostile:</c> header.</summary>
    private static List<Entry> CheckedIn()
    {
        var entries = new List<Entry>();
        foreach (var file in Directory.GetFiles(Corpus).Order(StringComparer.Ordinal))
        {
            var header = Encoding.UTF8.GetString(File.ReadAllBytes(file)).Split('\n').TakeWhile(l => l.StartsWith('#')).ToList();
            string[] Values(string key) => [.. header.Where(l => l.StartsWith($"# {key}: ", StringComparison.Ordinal)).Select(l => l[(key.Length + 4)..])];
            if (Values("hostile") is [var what])
            {
                // require-MODE: what only that mode programs yet (the rest of the line says why).
                var byMode = Modes.Select(m => (string)m.Data).ToDictionary(m => m, m => Values($"require-{m}").Select(v => v.Split(' ')[0]).ToArray());
                entries.Add(new Entry(Path.GetFileName(file), what, Values("expect"), Values("forbid"), Values("require"), Values("survivor")) { RequireInMode = byMode });
            }
        }
        return entries;
    }

    /// <summary>What git cannot hold (a FIFO, links to devices and in loops, a 64 MiB file), made in the run's copy of the corpus.</summary>
    private List<Entry> Generated()
    {
        Fifo.Make(Path.Combine(dir, "g1-fifo.yaml"));
        File.CreateSymbolicLink(Path.Combine(dir, "g2-zero.yaml"), "/dev/zero");
        using (var big = File.Create(Path.Combine(dir, "g3-big.yaml")))
        {
            big.SetLength((64L * 1024 * 1024) + 1); // sparse: no disk, but its size says what it is
        }
        File.CreateSymbolicLink(Path.Combine(dir, "g4-loop-a.yaml"), Path.Combine(dir, "g4-loop-b.yaml"));
        File.CreateSymbolicLink(Path.Combine(dir, "g4-loop-b.yaml"), Path.Combine(dir, "g4-loop-a.yaml"));
        File.CreateSymbolicLink(Path.Combine(dir, "g5-dangling.yaml"), Path.Combine(dir, "nowhere"));
        var survivors = new StringBuilder();
        for (var i = 1; i <= 5; i++)
        {
            survivors.Append(CultureInfo($"apiVersion: v1\nkind: Service\nmetadata: {{name: ok-g{i}, namespace: corpus}}\nspec: {{clusterIP: 10.97.5.{i}, ports: [{{name: http, port: 80}}]}}\n---\n"));
        }
        File.WriteAllText(Path.Combine(dir, "g0-survivors.yaml"), survivors.ToString());
        Entry Made(int i, string name, string what, string expect) => new(name, what, [$"{name}: {expect}"], [], [], [$"10.97.5.{i}"]);
        return
        [
            Made(1, "g1-fifo.yaml", "a FIFO named *.yaml (open would block until a writer came)", "is a FIFO, not a regular file; not read"),
            Made(2, "g2-zero.yaml", "a link to /dev/zero (endless)", "is a character device, not a regular file; not read"),
            Made(3, "g3-big.yaml", "a 64 MiB + 1 byte file", "is larger than 67108864 bytes"),
            Made(4, "g4-loop-a.yaml", "links in a loop", "cannot be read: Too many levels of symbolic links"),
            Made(5, "g5-dangling.yaml", "a link to nothing", "cannot be read: No such file or directory"),
        ];
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    private sealed record Entry(string Name, string What, string[] Expect, string[] Forbid, string[] Require, string[] Survivors)
    {
        public Dictionary<string, string[]> RequireInMode { get; init; } = [];
    }
}
