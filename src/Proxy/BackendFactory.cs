using Microsoft.Extensions.Logging;
using Proxy.Backends.Iptables;
using Proxy.Cli;
using Proxy.Core.Backends;
using Proxy.Core.Exec;

namespace Proxy;

/// <summary>The one place that maps --proxy-mode to a backend.</summary>
public static class BackendFactory
{
    /// <summary>The --proxy-mode values that have a backend.</summary>
    public static readonly IReadOnlyList<string> Modes = ["iptables"];

    public static IProxyBackend Create(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory) => options.ProxyMode switch
    {
        "iptables" => new IptablesBackend(runner, new IptablesOptions { MasqueradeBit = options.MasqueradeBit }, loggerFactory.CreateLogger<IptablesBackend>()),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.ProxyMode, "unsupported proxy mode"),
    };
}
