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

        """);

    [Fact]
    public void AChainHoldsItsRulesAsIptablesSavePrintsThem_ProbabilitiesComparedAsTheKernelStoresThem()
    {
        Assert.True(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-1", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333330 -j KUBE-SEP-1", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-3", "-j KUBE-SEP-2"]));
        Assert.False(Kernel.Holds("nat", "KUBE-SVC-A", ["-j KUBE-SEP-2"]));
    }

    [Fact]
    public void AnEmptyChainHoldsNothing_AndAMissingOneNeverHolds()
    {
        Assert.True(Kernel.Holds("nat", "KUBE-EMPTY", []));
        Assert.False(Kernel.Holds("nat", "KUBE-MISSING", []));
        Assert.False(Kernel.Holds("filter", "KUBE-SVC-A", []));
    }
}
