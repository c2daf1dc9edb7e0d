using System.Net;
using System.Net.Sockets;

namespace Proxy.Cli;

/// <summary>
/// This node's name, as upstream derives it (pkg/util/node GetHostname): --hostname-override when given, else the
/// full host name (os.Hostname, which reads the kernel's; not <see cref="Environment.MachineName"/>, which stops at
/// the first dot), with blanks trimmed and lowercased either way, as Node names are.
/// </summary>
public static class NodeName
{
    public static (string? Name, string? Error) Resolve(string? hostnameOverride) => Resolve(hostnameOverride, Dns.GetHostName);

    /// <param name="hostName">Where the host name comes from when there is no override.</param>
    public static (string? Name, string? Error) Resolve(string? hostnameOverride, Func<string> hostName)
    {
        var overridden = hostnameOverride is { Length: > 0 };
        string name;
        try
        {
            name = (overridden ? hostnameOverride! : hostName()).Trim();
        }
        catch (SocketException e)
        {
            return (null, $"cannot determine the host name ({e.Message}); give --hostname-override");
        }
        if (name.Length == 0)
        {
            return (null, overridden ? "--hostname-override is blank" : "the host name is empty; give --hostname-override");
        }
        return (name.ToLowerInvariant(), null);
    }
}
