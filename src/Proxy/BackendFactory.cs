using Microsoft.Extensions.Logging;

using Proxy.Cli;
using Proxy.Core.Backends;
using Proxy.Core.Exec;

namespace Proxy;

/// <summary>The one place that maps --proxy-mode to a backend.</summary>
public static class BackendFactory
{
    public static IProxyBackend Create(ProxyOptions options, ICommandRunner runner, ILoggerFactory loggerFactory) => options.ProxyMode switch
    {
        "iptables" => throw new NotImplementedException(),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.ProxyMode, "unsupported proxy mode"),
    };
}
