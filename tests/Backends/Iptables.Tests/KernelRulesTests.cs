namespace Proxy.Backends.Iptables.Tests;

public class KernelRulesTests
{
    private static readonly KernelRules Kernel = KernelRules.Parse("""
        *nat
        :KUBE-SVC-A - [0:0]
        :KUBE-EMPTY - [0:0]
        -A KUBE-SVC-A -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1
        -A KUBE-SVC-A -j KUBE-SEP-2
        COMMIT
        *filter
        :KUBE-FORWARD - [0:0]
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP
        COMMIT

        """);

    [Fact]
    public void AChainHoldsItsRulesAsIptablesSavePrintsThem_ProbabilitiesComparedAsTheKernelStoresThem()
    {
        Assert.True(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-1", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333330 -j KUBE-SEP-1", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-3", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-j KUBE-SEP-2"]));
    }

    /// <summary>iptables-save prints an nfacct match with two spaces before the name; the rule written has one.</summary>
    [Fact]
    public void AnNfacctRuleHoldsAsWritten()
    {
        Assert.True(Kernel.Holds("filter", "KUBE-FORWARD", ["-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP"]));
        Assert.True(Kernel.HasRule("filter", "KUBE-FORWARD", "-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP"));
    }

    [Fact]
    public void AnEmptyChainHoldsNothing_AndAMissingOneNeverHolds()
    {
        Assert.True(Kernel.Holds("nat", "KUBE-EMPTY", []));
        Assert.False(Kernel.Holds("nat", "KUBE-MISSING", []));
        Assert.False(Kernel.Holds("filter", "KUBE-SVC-A", []));
    }
}
