namespace Proxy.Core.Host;

/// <summary>Kernel parameters of the current network namespace, by /proc/sys path (e.g. <c>net/ipv4/vs/conntrack</c>).</summary>
public interface ISysctl
{
    /// <summary>The current value, or null when the parameter does not exist (its module is not loaded).</summary>
    string? Get(string path);

    void Set(string path, string value);
}
