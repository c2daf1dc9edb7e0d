using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Configuration;

/// <summary>
/// The part of upstream's SetDefaults_KubeProxyConfiguration (pkg/proxy/apis/config/v1alpha1/defaults.go, plus
/// component-base's SetRecommendedLoggingConfiguration) that a property initializer cannot express: fields that
/// are not pointers upstream, where an explicit zero ("", 0, 0s) means unset and gets the default. kubeadm writes
/// such zeros for every field it leaves alone (<c>syncPeriod: 0s</c>, <c>healthzBindAddress: ""</c>, <c>qps: 0</c>).
/// Pointer fields upstream (masqueradeBit, oomScoreAdj, conntrack.maxPerCore, ...) keep an explicit 0: only null or
/// absence defaults them, which the reader does by leaving the initializer's value.
/// </summary>
public static class ConfigurationDefaults
{
    public const int HealthzPort = 10256;
    public const int MetricsPort = 10249;

    public static void Apply(KubeProxyConfiguration c)
    {
        if (c.BindAddress.Length == 0)
        {
            c.BindAddress = "0.0.0.0";
        }
        var (healthzHost, metricsHost) = IsIPv4(c.BindAddress) ? ("0.0.0.0", "127.0.0.1") : ("[::]", "[::1]");
        c.HealthzBindAddress = c.HealthzBindAddress.Length == 0 ? $"{healthzHost}:{HealthzPort}" : AppendPortIfNeeded(c.HealthzBindAddress, HealthzPort);
        c.MetricsBindAddress = c.MetricsBindAddress.Length == 0 ? $"{metricsHost}:{MetricsPort}" : AppendPortIfNeeded(c.MetricsBindAddress, MetricsPort);

        c.Iptables.SyncPeriod = OrDefault(c.Iptables.SyncPeriod, TimeSpan.FromSeconds(30));
        c.Iptables.MinSyncPeriod = OrDefault(c.Iptables.MinSyncPeriod, TimeSpan.FromSeconds(1));
        c.Nftables.SyncPeriod = OrDefault(c.Nftables.SyncPeriod, TimeSpan.FromSeconds(30));
        c.Nftables.MinSyncPeriod = OrDefault(c.Nftables.MinSyncPeriod, TimeSpan.FromSeconds(1));
        // ipvs.minSyncPeriod has no default upstream: 0 stays 0.
        c.Ipvs.SyncPeriod = OrDefault(c.Ipvs.SyncPeriod, TimeSpan.FromSeconds(30));
        c.ConfigSyncPeriod = OrDefault(c.ConfigSyncPeriod, TimeSpan.FromMinutes(15));

        if (c.ClientConnection.ContentType.Length == 0)
        {
            c.ClientConnection.ContentType = ClientConnectionConfiguration.DefaultContentType;
        }
        if (c.ClientConnection.Qps == 0)
        {
            c.ClientConnection.Qps = 5;
        }
        if (c.ClientConnection.Burst == 0)
        {
            c.ClientConnection.Burst = 10;
        }

        if (c.Logging.Format.Length == 0)
        {
            c.Logging.Format = "text";
        }
        c.Logging.FlushFrequency = OrDefault(c.Logging.FlushFrequency, TimeSpan.FromSeconds(5));
        foreach (var routing in new[] { c.Logging.Options.Text, c.Logging.Options.Json })
        {
            if (routing.InfoBufferSize.Length == 0)
            {
                routing.InfoBufferSize = "0";
            }
        }
    }

    /// <summary>
    /// upstream's proxyutil.AppendPortIfNeeded: an IP without a port gets <paramref name="port"/> (IPv6 in brackets);
    /// anything else (already IP:port, or not an IP) is returned as it is, for validation to judge.
    /// </summary>
    public static string AppendPortIfNeeded(string address, int port)
    {
        if (HostPort.TrySplit(address, out _, out _) || !IPAddress.TryParse(address, out var ip))
        {
            return address;
        }
        var text = port.ToString(CultureInfo.InvariantCulture);
        return ip.AddressFamily == AddressFamily.InterNetwork ? $"{address}:{text}" : $"[{address}]:{text}";
    }

    /// <summary>upstream: <c>ParseIP(bindAddress).To4() != nil</c>, so an unparsable bindAddress picks the IPv6 defaults.</summary>
    private static bool IsIPv4(string address) =>
        IPAddress.TryParse(address, out var ip) && (ip.AddressFamily == AddressFamily.InterNetwork || ip.IsIPv4MappedToIPv6);

    private static TimeSpan OrDefault(TimeSpan value, TimeSpan fallback) => value == TimeSpan.Zero ? fallback : value;
}
