using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Core.Exec;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>upstream's iptables-wrapper decision, case by case; and the wrapper that runs every iptables tool in the chosen backend.</summary>
public class IptablesSelectionTests
{
    private const string Hint = "*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n";
    private const string Canary = "*nat\n:KUBE-KUBELET-CANARY - [0:0]\nCOMMIT\n";
    private const string TwoRules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    private const string OneRule = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n";

    public static TheoryData<string?, string?, string?, IptablesVariant?, string> Cases() => new()
    {
        { Hint, TwoRules, OneRule, IptablesVariant.Nft, "KUBE-IPTABLES-HINT chain is in the nf_tables mangle table" },
        { "", Canary + TwoRules, "", IptablesVariant.Legacy, "KUBE-KUBELET-CANARY chain is in the legacy tables" },
        { "", TwoRules, OneRule, IptablesVariant.Legacy, "legacy holds more rules (2, nf_tables 1)" },
        { "", OneRule, OneRule, IptablesVariant.Nft, "nf_tables unless legacy holds more" },
        { null, TwoRules, null, IptablesVariant.Legacy, "only the legacy tools are installed" },
        { "", null, "", IptablesVariant.Nft, "only the nf_tables tools are installed" },
        { null, null, null, null, "neither" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task DecidesAsUpstreamsWrapper(string? nftMangle, string? legacyAll, string? nftAll, IptablesVariant? expected, string reason)
    {
        var selection = await IptablesSelection.DecideAsync(() => Task.FromResult(nftMangle), () => Task.FromResult(legacyAll), () => Task.FromResult(nftAll));

        Assert.Equal(expected, selection.Variant);
        Assert.Contains(reason, selection.Reason);
    }

    [Theory]
    [InlineData("iptables-restore", IptablesVariant.Nft, "iptables-nft-restore")]
    [InlineData("ip6tables-save", IptablesVariant.Legacy, "ip6tables-legacy-save")]
    [InlineData("iptables", IptablesVariant.Legacy, "iptables-legacy")]
    public void NamesEachBackendsTool(string tool, IptablesVariant variant, string expected) =>
        Assert.Equal(expected, IptablesSelection.Executable(tool, variant));

    [Fact]
    public async Task TheWrapperDecidesOnceAndRunsEveryIptablesToolThere_OtherToolsUnchanged()
    {
        var inner = new Recording(c => c.FileName == "iptables-legacy-save" ? Canary : "");
        var wrapper = new IptablesWrapper(inner, null, NullLogger<IptablesWrapper>.Instance);

        await wrapper.RunAsync(Command.Write("iptables-restore", "", "--noflush"), CancellationToken.None);
        await wrapper.RunAsync(Command.Read("ip6tables-save", "-t", "nat"), CancellationToken.None);
        await wrapper.RunAsync(Command.Read("nft", "list", "tables"), CancellationToken.None);

        Assert.Equal(
            ["iptables-nft-save -t mangle", "ip6tables-nft-save -t mangle", "iptables-legacy-save", "ip6tables-legacy-save",
             "iptables-legacy-restore --noflush", "ip6tables-legacy-save -t nat", "nft list tables"],
            inner.Ran);
    }

    [Theory]
    [InlineData(null, true, null)]
    [InlineData("auto", true, null)]
    [InlineData("NFT", true, IptablesVariant.Nft)]
    [InlineData("legacy", true, IptablesVariant.Legacy)]
    [InlineData("iptables", false, null)]
    public void TheOverrideIsAutoNftOrLegacy(string? value, bool valid, IptablesVariant? forced)
    {
        Assert.Equal(valid, IptablesWrapper.TryParse(value, out var parsed));
        Assert.Equal(forced, parsed);
    }

    /// <summary>Answers every command with <paramref name="output"/>'s text and records what ran.</summary>
    private sealed class Recording(Func<Command, string> output) : ICommandRunner
    {
        public List<string> Ran { get; } = [];

        public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
        {
            Ran.Add($"{command.FileName} {string.Join(' ', command.Arguments)}".Trim());
            return Task.FromResult(CommandResult.Ok(output(command)));
        }
    }
}
