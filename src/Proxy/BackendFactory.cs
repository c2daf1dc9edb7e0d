using Microsoft.Extensions.Logging;
using Proxy.Backends.Iptables;
using Proxy.Backends.Nftables;
using Proxy.Cli;
using Proxy.Core.Backends;
using Proxy.Core.Exec;

namespace Proxy;

/// <summary>The one place that maps --proxy-mode to a backend.</summary>
public static class BackendFactory
{
    /// <summary>The --proxy-mode values that have a backend.</summary>
    public static readonly IReadOnlyList<string> Modes = ["iptables", "nftables"];

    public static IProxyBackend Create(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory) =>
        Create(options.ProxyMode, options, runner, loggerFactory);

    /// <summary>Every backend: --cleanup runs them all, so switching modes leaves nothing behind.</summary>
    public static IReadOnlyList<IProxyBackend> CreateAll(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory) =>
        [.. Modes.Select(mode => Create(mode, options, runner, loggerFactory))];

    private static IProxyBackend Create(string mode, ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory) => mode switch
    {
        "iptables" => new IptablesBackend(runner, new IptablesOptions { MasqueradeBit = options.Config.Iptables.MasqueradeBit }, loggerFactory.CreateLogger<IptablesBackend>()),
        "nftables" => new NftablesBackend(runner, new NftablesOptions { MasqueradeBit = options.Config.Nftables.MasqueradeBit }, loggerFactory.CreateLogger<NftablesBackend>()),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unsupported proxy mode"),
    };
}
