namespace Proxy.Configuration;

/// <summary>Go's net.SplitHostPort, which upstream's address defaulting and validation are written against.</summary>
public static class HostPort
{
    /// <summary>"host:port" or "[host]:port" (the brackets required when host has colons); the port is not checked.</summary>
    public static bool TrySplit(string value, out string host, out string port)
    {
        host = port = "";
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return false;
        }
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 != colon)
            {
                return false;
            }
            host = value[1..close];
        }
        else
        {
            host = value[..colon];
            if (host.Contains(':', StringComparison.Ordinal) || host.Contains('[', StringComparison.Ordinal) || host.Contains(']', StringComparison.Ordinal))
            {
                return false; // Go: "too many colons", or a stray bracket
            }
        }
        port = value[(colon + 1)..];
        return true;
    }
}
