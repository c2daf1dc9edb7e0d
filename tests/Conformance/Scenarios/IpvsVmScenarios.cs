using System.Xml.Linq;
using Proxy.Conformance.Tests.Harness;

namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>
/// --proxy-mode ipvs needs ip_vs and dummy, which this machine's kernel lacks: this test boots tests/vm (QEMU, Debian's
/// kernel on the host's own root filesystem) and runs this very suite inside it with KP_CONFORMANCE_MODES=ipvs, so the
/// shared scenarios run in ipvs mode against a real IPVS kernel, with the binaries built here.
/// </summary>
[Collection(nameof(KernelCollection))]
public sealed class IpvsVmScenarios(ITestOutputHelper output)
{
    /// <summary>vmrun's exit code when it cannot start a VM at all (qemu or a helper tool missing).</summary>
    private const int VmUnavailable = 125;

    /// <summary>
    /// Every ipvs-mode scenario of this suite: fewer results means some did not run. 13 shared scenarios (conntrack 3,
    /// example manifests, health check, lifecycle 3, live source, traffic 4), the Service-semantics table (9 rows of
    /// ServiceSemanticsScenarios, 5 of NodePortAddressScenarios) and the 5 fault scenarios, each in ipvs mode's form of
    /// the fault (API outage, drift by ipvsadm -C, killed mid-sync, restart under load, xtables lock); every one runs in
    /// the VM's kernel, and only the rows of <see cref="NotForIpvsMode"/> are left out.
    /// </summary>
    private const int ExpectedScenarios = 32;

    /// <summary>
    /// Rows of the shared table that do not apply to ipvs mode, left out of the VM's run (a theory with no data for the
    /// chosen mode fails xunit's console run) and named in this test's output with the reason.
    /// </summary>
    private static readonly (string Method, string Why)[] NotForIpvsMode =
    [
        (nameof(Semantics.ServiceSemanticsScenarios.GuardRails_AClusterIPsUnknownPortIsRejected_AnUnallocatedServiceAddressIsDropped),
            "upstream's nftables mode's guard rails around service addresses; upstream's ipvs mode has none"),
        (nameof(Faults.DriftScenarios.TablesWipedOrACanaryDeletedAreRepairedWithinOneSyncPeriodAndCounted),
            "iptables and nftables modes' own wipes (a canary chain deleted, nft flush table); ipvs mode's drift is ipvsadm -C with its sets and rules flushed, the row of RulesFlushedBySomeoneElseAreRepairedWithinOneSyncPeriodAndCounted"),
    ];

    [Fact]
    [Trait("Tier", "vm-host")]
    public async Task TheSharedScenariosPassInIpvsModeInsideAKernelWithIpvs()
    {
        if (Environment.GetEnvironmentVariable("KP_CONFORMANCE_MODES") is { Length: > 0 })
        {
            Assert.Skip("KP_CONFORMANCE_MODES chooses the modes: this run is already the one inside the VM, or a narrowed one");
        }
        Prerequisites.Require();
        foreach (var (method, why) in NotForIpvsMode)
        {
            output.WriteLine($"not run in ipvs mode: {method}: {why}");
        }
        var results = Path.Combine(AppContext.BaseDirectory, $"ipvs-vm-results-{Environment.ProcessId}.xml");
        var vm = await Shell.RunAsync(
            Path.Combine(RepositoryRoot.Path, "tests", "vm", "vmrun.sh"),
            [
                "--share", AppContext.BaseDirectory,
                // The semantics table and the fault scenarios (about twenty proxy starts at ~55 s of JIT each) add
                // ~25 minutes under emulation on a loaded machine: well above vmrun's default 15.
                "-t", "4500",
                "-e", "KP_CONFORMANCE_MODES=ipvs",
                "-e", "KP_REQUIRE_KERNEL=1",
                "-e", "KP_TIME_SCALE=10",
                // The API outage's length, when this run sets one (the issue's 2 minutes is 120), as on the host.
                "-e", "KP_API_OUTAGE_SECONDS",
                "-e", "DOTNET_CLI_TELEMETRY_OPTOUT=1",
                "--",
                Path.Combine(AppContext.BaseDirectory, "Proxy.Conformance.Tests"),
                // -namespace matches one namespace exactly, not the ones below it: the semantics table and the fault
                // scenarios are named too.
                "-namespace", typeof(IpvsVmScenarios).Namespace!, "-namespace", typeof(Semantics.SemanticsModes).Namespace!,
                "-namespace", typeof(Faults.DriftScenarios).Namespace!,
                "-class-", typeof(ModeSwitchScenarios).FullName!, "-trait-", "Tier=vm-host",
                .. NotForIpvsMode.SelectMany(r => new[] { "-method-", $"*.{r.Method}" }),
                "-noColor", "-noLogo", "-result-xml", results,
            ],
            TimeSpan.FromMinutes(80));
        output.WriteLine(vm.Stdout);
        output.WriteLine(vm.Stderr);
        if (vm.ExitCode == VmUnavailable && !File.Exists(results))
        {
            Prerequisites.Unmet($"the IPVS test VM cannot start: {vm.Stderr.Trim()}");
        }

        Assert.True(File.Exists(results), $"the suite inside the VM wrote no results: {vm}");
        var assembly = XDocument.Load(results).Root!.Element("assembly")!;
        var tests = assembly.Descendants("test").ToList();
        foreach (var test in tests)
        {
            output.WriteLine($"{test.Attribute("result")?.Value,-5} {test.Attribute("time")?.Value,8}s {test.Attribute("name")?.Value}");
        }
        File.Delete(results);
        Assert.True(vm.ExitCode == 0, $"the ipvs scenarios failed inside the VM:\n{vm}");
        Assert.Equal(ExpectedScenarios, tests.Count(t => t.Attribute("result")?.Value == "Pass"));
        Assert.All(tests, t => Assert.Contains("ipvs", t.Attribute("name")?.Value, StringComparison.Ordinal));
    }
}
