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
        var payload = File.ReadAllText(GoldenFiles.Output("testdata", "render", scenario, "expected.iptables-restore"));
        var (restore, save) = Tools(scenario, "");
        using var ns = Seeded(scenario, restore, save);

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
        var (restore, save) = Tools(scenario, "-legacy");
        var reordered = transaction.Input(reverseNameOrder: true).Text;
        Assert.True(transaction.ChainsWritten < 2 || reordered != transaction.ToString(), $"{scenario}: the order did not change");

        string Applied(string payload)
        {
            using var ns = Seeded(scenario, restore, save);
            var applied = ns.Exec(restore, payload, "--noflush");
            Assert.True(applied.ExitCode == 0, $"{restore} refused {scenario}: {applied.Error}");
            return string.Join('\n', ns.Exec(save, null).Output.Split('\n').Where(l => !l.StartsWith('#')));
        }

        Assert.Equal(Applied(transaction.ToString()), Applied(reordered));
    }

    /// <summary>The scenario's family's restore and save tools: <paramref name="backend"/> is "" (the default) or "-legacy".</summary>
    private static (string Restore, string Save) Tools(string scenario, string backend) =>
        File.ReadAllText(GoldenFiles.Output("testdata", "render", scenario, "model.json")).Contains("\"IPv6\"", StringComparison.Ordinal)
            ? ($"ip6tables{backend}-restore", $"ip6tables{backend}-save")
            : ($"iptables{backend}-restore", $"iptables{backend}-save");

    /// <summary>A fresh namespace holding the scenario's existing.iptables-save, when it has one.</summary>
    private static KernelNamespace Seeded(string scenario, string restore, string save)
    {
        var ns = KernelNamespace.Create(restore, save);
        var existing = GoldenFiles.Output("testdata", "render", scenario, "existing.iptables-save");
        if (File.Exists(existing))
        {
            var seeded = ns.Exec(restore, File.ReadAllText(existing));
            if (seeded.ExitCode != 0)
            {
                ns.Dispose();
                Assert.Fail($"seeding {scenario}: {seeded.Error}");
            }
        }
        return ns;
    }
}
