using System.Net;

namespace Proxy.Syncing;

/// <summary>
/// Who this node is, beyond its Node object: its name (--hostname-override or the host name), the address
/// --bind-address names (it overrides the Node's primary IP of its family, as upstream), and where to read the
/// addresses of its interfaces (read at every sync: addresses come and go).
/// </summary>
public sealed record NodeSettings(string NodeName, IPAddress? BindAddress, Func<IReadOnlyList<IPAddress>> LocalAddresses)
{
    public static NodeSettings Named(string nodeName) => new(nodeName, null, () => []);
}
