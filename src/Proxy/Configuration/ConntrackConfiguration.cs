namespace Proxy.Configuration;

/// <summary>conntrack sysctls upstream sets at start (conntrack), applied by <see cref="Conntrack.ConntrackSettings"/>.</summary>
public sealed class ConntrackConfiguration
{
    public int MaxPerCore { get; set; } = 32768;

    public int Min { get; set; } = 131072;

    public TimeSpan TcpEstablishedTimeout { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan TcpCloseWaitTimeout { get; set; } = TimeSpan.FromHours(1);

    public bool TcpBeLiberal { get; set; }

    public TimeSpan UdpTimeout { get; set; }

    public TimeSpan UdpStreamTimeout { get; set; }
}
