using System.Globalization;
using System.Net;

namespace Proxy.Configuration;

/// <summary>Upstream's validation rules for the values of a KubeProxyConfiguration; every problem, each naming its field.</summary>
public static class ConfigurationValidator
{
    public static readonly IReadOnlyList<string> Modes = ["", "iptables", "nftables", "ipvs"];

    public static readonly IReadOnlyList<string> DetectLocalModes = ["", "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"];

    public static IReadOnlyList<string> Validate(KubeProxyConfiguration c)
    {
        var errors = new List<string>();
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
            {
                errors.Add($"{field}: {problem}");
            }
        }

        Check(c.ApiVersion == KubeProxyConfiguration.ApiVersionValue, "apiVersion", $"must be {KubeProxyConfiguration.ApiVersionValue}, not \"{c.ApiVersion}\"");
        Check(c.Kind == KubeProxyConfiguration.KindValue, "kind", $"must be {KubeProxyConfiguration.KindValue}, not \"{c.Kind}\"");
        Check(Modes.Contains(c.Mode), "mode", $"\"{c.Mode}\" is not one of iptables, nftables, ipvs");
        Check(IPAddress.TryParse(c.BindAddress, out _), "bindAddress", $"\"{c.BindAddress}\" is not an IP address");
        Check(c.HealthzBindAddress.Length == 0 || IsHostPort(c.HealthzBindAddress), "healthzBindAddress", $"\"{c.HealthzBindAddress}\" is not IP:port");
        Check(c.MetricsBindAddress.Length == 0 || IsHostPort(c.MetricsBindAddress), "metricsBindAddress", $"\"{c.MetricsBindAddress}\" is not IP:port");
        Check(ClusterCidrError(c.ClusterCIDR) is null, "clusterCIDR", ClusterCidrError(c.ClusterCIDR) ?? "");
        foreach (var (prefix, bit, min, sync) in new[]
        {
            ("iptables", c.Iptables.MasqueradeBit, c.Iptables.MinSyncPeriod, c.Iptables.SyncPeriod),
            ("nftables", c.Nftables.MasqueradeBit, c.Nftables.MinSyncPeriod, c.Nftables.SyncPeriod),
            ("ipvs", 0, c.Ipvs.MinSyncPeriod, c.Ipvs.SyncPeriod),
        })
        {
            Check(bit is >= 0 and <= 31, $"{prefix}.masqueradeBit", $"{bit} must be in [0, 31]");
            Check(sync > TimeSpan.Zero, $"{prefix}.syncPeriod", "must be greater than 0");
            Check(min >= TimeSpan.Zero, $"{prefix}.minSyncPeriod", "must not be negative");
        }
        Check(c.Ipvs.Scheduler.Length == 0 || Backends.Ipvs.IpvsOptions.Schedulers.Contains(c.Ipvs.Scheduler), "ipvs.scheduler",
            $"\"{c.Ipvs.Scheduler}\" is not an IPVS scheduler ({string.Join(", ", Backends.Ipvs.IpvsOptions.Schedulers)})");
        for (var i = 0; i < c.Ipvs.ExcludeCIDRs.Count; i++)
        {
            Check(IPNetwork.TryParse(c.Ipvs.ExcludeCIDRs[i], out _), $"ipvs.excludeCIDRs[{i}]", $"\"{c.Ipvs.ExcludeCIDRs[i]}\" is not a CIDR");
        }
        for (var i = 0; i < c.NodePortAddresses.Count; i++)
        {
            var value = c.NodePortAddresses[i];
            Check(value == "primary" || IPNetwork.TryParse(value, out _), $"nodePortAddresses[{i}]", $"\"{value}\" is not a CIDR or \"primary\"");
        }
        Check(c.Conntrack.MaxPerCore >= 0, "conntrack.maxPerCore", "must not be negative");
        Check(c.Conntrack.Min >= 0, "conntrack.min", "must not be negative");
        Check(c.OomScoreAdj is >= -1000 and <= 1000, "oomScoreAdj", $"{c.OomScoreAdj} must be in [-1000, 1000]");
        Check(c.ConfigSyncPeriod > TimeSpan.Zero, "configSyncPeriod", "must be greater than 0");
        Check(DetectLocalModes.Contains(c.DetectLocalMode), "detectLocalMode", $"\"{c.DetectLocalMode}\" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix");
        Check(c.DetectLocalMode != "BridgeInterface" || c.DetectLocal.BridgeInterface.Length > 0, "detectLocal.bridgeInterface", "is required when detectLocalMode is BridgeInterface");
        Check(c.DetectLocalMode != "InterfaceNamePrefix" || c.DetectLocal.InterfaceNamePrefix.Length > 0, "detectLocal.interfaceNamePrefix", "is required when detectLocalMode is InterfaceNamePrefix");
        Check(c.Logging.Format is "text" or "json", "logging.format", $"\"{c.Logging.Format}\" is not text or json");
        Check(c.Logging.Verbosity >= 0, "logging.verbosity", "must not be negative");
        Check(c.ClientConnection.Qps >= 0, "clientConnection.qps", "must not be negative");
        Check(c.ClientConnection.Burst >= 0, "clientConnection.burst", "must not be negative");
        return errors;
    }

    /// <summary>Null when <paramref name="value"/> is "" or comma-separated CIDRs, at most one per IP family.</summary>
    public static string? ClusterCidrError(string value)
    {
        var families = new HashSet<System.Net.Sockets.AddressFamily>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(part, out var network))
            {
                return $"\"{part}\" is not a CIDR such as 10.244.0.0/16";
            }
            if (!families.Add(network.BaseAddress.AddressFamily))
            {
                return "at most one CIDR per IP family";
            }
        }
        return null;
    }

    private static bool IsHostPort(string value) =>
        IPEndPoint.TryParse(value, out var endpoint) && value.Contains(':', StringComparison.Ordinal)
        && endpoint.Port.ToString(CultureInfo.InvariantCulture) == value[(value.LastIndexOf(':') + 1)..];
}
