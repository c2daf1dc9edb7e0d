using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Proxy.Backends.Iptables;
using Proxy.Backends.Ipvs;
using Proxy.Backends.Ipvs.DryRun;
using Proxy.Core.Host;
using Proxy.Exec;
using Proxy.Host;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Backends.Nftables;
using Proxy.Cli;
using Proxy.Conntrack;
using Proxy.Core.Backends;
using Proxy.Core.Exec;

namespace Proxy;

/// <summary>The one place that maps --proxy-mode to a backend.</summary>
public static partial class BackendFactory
{
    /// <summary>The --proxy-mode values that have a backend.</summary>
    public static readonly IReadOnlyList<string> Modes = ["iptables", "nftables", "ipvs"];

    /// <param name="dryRunOutput">With --dry-run, where the IPVS backend prints the netlink changes it would make (commands go through <paramref name="runner"/>).</param>
    /// <param name="nfacct">The kernel's nfacct counters: iptables mode counts into the ones it can make (with --dry-run, the ones that exist).</param>
    public static IProxyBackend Create(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput = null, INfacct? nfacct = null) =>
        options.ProxyMode == "iptables" && nfacct is not null
            ? CreateIptables(options, runner, loggerFactory, dryRunOutput, Counters(nfacct, dryRunOutput is not null, loggerFactory.CreateLogger<IptablesBackend>()))
            : Create(options.ProxyMode, options, runner, loggerFactory, dryRunOutput);

    /// <summary>Every backend: --cleanup runs them all, so switching modes leaves nothing behind.</summary>
    public static IReadOnlyList<IProxyBackend> CreateAll(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput = null) =>
        [.. Modes.Select(mode => Create(mode, options, runner, loggerFactory, dryRunOutput))];

    /// <summary>
    /// The modes whose rules a daemon in <paramref name="mode"/> removes as it starts, as upstream's platformCleanup
    /// does: nftables mode removes iptables and IPVS mode's rules; iptables and IPVS modes remove nftables mode's
    /// table, but not each other's rules, which share chains such as KUBE-SERVICES and KUBE-POSTROUTING.
    /// </summary>
    public static IReadOnlyList<string> LeftoverModes(string mode) => mode == "nftables" ? ["iptables", "ipvs"] : ["nftables"];

    /// <summary>The backends of <see cref="LeftoverModes"/>, whose cleanup removes those rules.</summary>
    public static IReadOnlyList<IProxyBackend> CreateLeftovers(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput = null) =>
        [.. LeftoverModes(options.ProxyMode).Select(mode => Create(mode, options, runner, loggerFactory, dryRunOutput))];

    private static IProxyBackend Create(string mode, ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput) => mode switch
    {
        "iptables" => CreateIptables(options, runner, loggerFactory, dryRunOutput, []),
        // --dry-run prints every transaction as nft text, so element changes too go through the (printing) runner.
        "nftables" => new NftablesBackend(runner, new NftablesOptions { MasqueradeBit = options.Config.Nftables.MasqueradeBit }, loggerFactory.CreateLogger<NftablesBackend>(),
            dryRunOutput is null ? new NetlinkElementWriter() : null),
        "ipvs" => CreateIpvs(options, runner, loggerFactory, dryRunOutput),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unsupported proxy mode"),
    };

    private static IptablesBackend CreateIptables(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput, ImmutableHashSet<string> counters)
    {
        var sysctl = Sysctl(dryRunOutput);
        return new IptablesBackend(runner, sysctl, IptablesSettings(options, sysctl) with { NfacctCounters = counters }, loggerFactory.CreateLogger<IptablesBackend>());
    }

    /// <summary>
    /// upstream's iptables proxier makes its two nfacct counters at start and counts only into the ones it could make;
    /// a dry run makes nothing and uses the ones that exist.
    /// </summary>
    private static ImmutableHashSet<string> Counters(INfacct nfacct, bool dryRun, ILogger logger)
    {
        var usable = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var name in new[] { IptablesOptions.CtStateInvalidCounter, IptablesOptions.LocalhostNodePortsCounter })
        {
            if (dryRun ? nfacct.Packets(name) is not null : nfacct.Ensure(name))
            {
                usable.Add(name);
            }
            else if (!dryRun)
            {
                LogNoNfacct(logger, name);
            }
        }
        return usable.ToImmutable();
    }

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Cannot make the nfacct counter {Name} (no nfnetlink_acct in this kernel?): the metric it feeds has no value, as upstream's")]
    private static partial void LogNoNfacct(ILogger logger, string name);

    /// <summary>Kernel parameters; with --dry-run, writes are printed instead.</summary>
    internal static ISysctl Sysctl(TextWriter? dryRunOutput) => dryRunOutput is null ? new ProcSysctl() : new DryRunSysctl(new ProcSysctl(), dryRunOutput);

    /// <summary>iptables mode's settings; without the INVALID-drop rule when conntrack is liberal, as upstream.</summary>
    internal static IptablesOptions IptablesSettings(ProxyOptions options, ISysctl sysctl) => new()
    {
        MasqueradeBit = options.Config.Iptables.MasqueradeBit,
        DropInvalid = !ConntrackSettings.TcpLiberal(options.Config.Conntrack, sysctl),
    };

    private static IpvsBackend CreateIpvs(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory, TextWriter? dryRunOutput)
    {
        var ipvsOptions = new IpvsOptions
        {
            Scheduler = options.Config.Ipvs.Scheduler.Length == 0 ? "rr" : options.Config.Ipvs.Scheduler,
            MasqueradeBit = options.Config.Iptables.MasqueradeBit,
            StrictArp = options.Config.Ipvs.StrictARP,
            ExcludeCidrs = [.. options.Config.Ipvs.ExcludeCIDRs.Select(System.Net.IPNetwork.Parse)],
            Timeouts = new IpvsTimeouts(options.Config.Ipvs.TcpTimeout, options.Config.Ipvs.TcpFinTimeout, options.Config.Ipvs.UdpTimeout),
        };
        Func<IIpvsClient> ipvs = () => new IpvsNetlinkClient();
        ILinkClient links = new RouteNetlinkClient();
        var sysctl = Sysctl(dryRunOutput);
        if (dryRunOutput is not null)
        {
            var kernel = ipvs;
            ipvs = () => new DryRunIpvsClient(kernel, dryRunOutput);
            links = new DryRunLinkClient(links, dryRunOutput);
        }
        return new IpvsBackend(runner, ipvs, links, sysctl, ipvsOptions, loggerFactory.CreateLogger<IpvsBackend>());
    }
}
