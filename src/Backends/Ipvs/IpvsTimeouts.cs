namespace Proxy.Backends.Ipvs;

/// <summary>
/// IPVS's connection timeouts (ipvs.tcpTimeout, ipvs.tcpFinTimeout, ipvs.udpTimeout; <c>ipvsadm --set</c>). Node-wide,
/// not per service. Zero leaves that timeout as the kernel has it: the kernel itself skips a zero
/// (ip_vs_set_timeout), and upstream configures them only when one of the three is non-zero.
/// </summary>
public sealed record IpvsTimeouts(TimeSpan Tcp, TimeSpan TcpFin, TimeSpan Udp)
{
    public static readonly IpvsTimeouts None = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Whether any timeout is set, so that upstream would configure them.</summary>
    public bool Any => Tcp > TimeSpan.Zero || TcpFin > TimeSpan.Zero || Udp > TimeSpan.Zero;

    /// <summary>Whole seconds, truncated, as the kernel takes them (upstream's int(d.Seconds())).</summary>
    public static uint Seconds(TimeSpan timeout) => (uint)Math.Clamp(timeout.Ticks / TimeSpan.TicksPerSecond, 0, int.MaxValue);

    /// <summary>As <c>ipvsadm --set TCP TCPFIN UDP</c> would be given them.</summary>
    public override string ToString() => $"--set {Seconds(Tcp)} {Seconds(TcpFin)} {Seconds(Udp)}";
}
