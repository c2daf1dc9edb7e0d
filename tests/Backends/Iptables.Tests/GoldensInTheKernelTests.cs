using Proxy.Backends.Testing;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// Every golden payload is one the real iptables-restore accepts, in a fresh namespace (seeded with the folder's
/// existing.iptables-save, when it has one), and afterwards the kernel holds every chain the payload declares and
/// does not delete: the goldens are not just text that looks right.
/// </summary>
public class GoldensInTheKernelTests
{
    [Theory]
    [MemberData(nameof(RenderGoldenTests.Scenarios), MemberType = typeof(RenderGoldenTests))]
    public void TheRealToolAcceptsTheGoldenPayload(string scenario)
    {
        var folder = GoldenFiles.Output("testdata", "render", scenario);
        var payload = File.ReadAllText(Path.Combine(folder, "expected.iptables-restore"));
        var v6 = File.ReadAllText(Path.Combine(folder, "model.json")).Contains("\"IPv6\"", StringComparison.Ordinal);
        var (restore, save) = v6 ? ("ip6tables-restore", "ip6tables-save") : ("iptables-restore", "iptables-save");
        using var ns = KernelNamespace.Create(restore, save);
        var existing = Path.Combine(folder, "existing.iptables-save");
        if (File.Exists(existing))
        {
            var seeded = ns.Exec(restore, File.ReadAllText(existing));
            Assert.True(seeded.ExitCode == 0, $"seeding {scenario}: {seeded.Error}");
        }

        var applied = ns.Exec(restore, payload, "--noflush");

        Assert.True(applied.ExitCode == 0, $"{restore} refused {scenario}: {applied.Error}");
        var kernel = ns.Exec(save, null).Output;
        var deleted = payload.Split('\n').Where(l => l.StartsWith("-X ", StringComparison.Ordinal)).Select(l => l[3..]).ToHashSet();
        foreach (var chain in payload.Split('\n').Where(l => l.StartsWith(':')).Select(l => l[1..l.IndexOf(' ', StringComparison.Ordinal)]).Where(c => !deleted.Contains(c)))
        {
            Assert.Contains($":{chain} ", kernel);
        }
    }
    /// <summary>
    /// On legacy the backend declares chains in reverse name order (libiptc places them fastest so): the real
    /// iptables-legacy-restore ends with exactly the tables that the render order gives, for every golden scenario.
    /// </summary>
    [Theory]
    [MemberData(nameof(RenderGoldenTests.Scenarios), MemberType = typeof(RenderGoldenTests))]
    public void OnLegacyChainsInReverseNameOrderEndAsTheRenderOrder(string scenario)
    {
        var transaction = RenderGoldenTests.FullSync(scenario);
        var v6 = File.ReadAllText(GoldenFiles.Output("testdata", "render", scenario, "model.json")).Contains("\"IPv6\"", StringComparison.Ordinal);
        var (restore, save) = v6 ? ("ip6tables-legacy-restore", "ip6tables-legacy-save") : ("iptables-legacy-restore", "iptables-legacy-save");
        var existing = Path.Combine(GoldenFiles.Output("testdata", "render", scenario), "existing.iptables-save");
        var reordered = transaction.Input(reverseNameOrder: true).Text;
        Assert.True(transaction.ChainsWritten < 2 || reordered != transaction.ToString(), $"{scenario}: the order did not change");

        string Applied(string payload)
        {
            using var ns = KernelNamespace.Create(restore, save);
            if (File.Exists(existing))
            {
                var seeded = ns.Exec(restore, File.ReadAllText(existing));
                Assert.True(seeded.ExitCode == 0, $"seeding {scenario}: {seeded.Error}");
            }
            var applied = ns.Exec(restore, payload, "--noflush");
            Assert.True(applied.ExitCode == 0, $"{restore} refused {scenario}: {applied.Error}");
            return string.Join('\n', ns.Exec(save, null).Output.Split('\n').Where(l => !l.StartsWith('#')));
        }

        Assert.Equal(Applied(transaction.ToString()), Applied(reordered));
    }
}
