using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Proxy.Configuration;

/// <summary>
/// Upstream's validation rules (pkg/proxy/apis/config/validation/validation.go, plus component-base's logging
/// rules) for a defaulted KubeProxyConfiguration: every problem, each naming its field by its v1alpha1 path.
/// As upstream, a mode's own section (sync periods, nftables.masqueradeBit, the ipvs settings) is checked only when
/// that mode is in use: a config shared by nodes in different modes stays valid.
/// </summary>
public static partial class ConfigurationValidator
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
        void NotNegative(TimeSpan value, string field) => Check(value >= TimeSpan.Zero, field, $"{GoDurationFormat.Format(value)} must not be negative");

        Check(c.ApiVersion == KubeProxyConfiguration.ApiVersionValue, "apiVersion", $"must be {KubeProxyConfiguration.ApiVersionValue}, not \"{c.ApiVersion}\"");
        Check(c.Kind == KubeProxyConfiguration.KindValue, "kind", $"must be {KubeProxyConfiguration.KindValue}, not \"{c.Kind}\"");
        Check(Modes.Contains(c.Mode), "mode", $"\"{c.Mode}\" is not one of iptables, nftables, ipvs");
        var mode = c.Mode.Length == 0 ? "iptables" : c.Mode;

        Check(c.Iptables.MasqueradeBit is >= 0 and <= 31, "iptables.masqueradeBit", $"{c.Iptables.MasqueradeBit} must be in [0, 31]");
        if (mode == "nftables")
        {
            Check(c.Nftables.MasqueradeBit is >= 0 and <= 31, "nftables.masqueradeBit", $"{c.Nftables.MasqueradeBit} must be in [0, 31]");
        }
        ISyncPeriods periods = mode switch { "nftables" => c.Nftables, "ipvs" => c.Ipvs, _ => c.Iptables };
        var section = mode is "nftables" or "ipvs" ? mode : "iptables";
        Check(periods.SyncPeriod > TimeSpan.Zero, $"{section}.syncPeriod", $"{GoDurationFormat.Format(periods.SyncPeriod)} must be greater than 0");
        NotNegative(periods.MinSyncPeriod, $"{section}.minSyncPeriod");
        Check(periods.SyncPeriod <= TimeSpan.Zero || periods.MinSyncPeriod <= periods.SyncPeriod, $"{section}.syncPeriod",
            $"{GoDurationFormat.Format(periods.SyncPeriod)} must be greater than or equal to {section}.minSyncPeriod ({GoDurationFormat.Format(periods.MinSyncPeriod)})");
        if (mode == "ipvs")
        {
            NotNegative(c.Ipvs.TcpTimeout, "ipvs.tcpTimeout");
            NotNegative(c.Ipvs.TcpFinTimeout, "ipvs.tcpFinTimeout");
            NotNegative(c.Ipvs.UdpTimeout, "ipvs.udpTimeout");
            for (var i = 0; i < c.Ipvs.ExcludeCIDRs.Count; i++)
            {
                Check(IPNetwork.TryParse(c.Ipvs.ExcludeCIDRs[i], out _), $"ipvs.excludeCIDRs[{i}]", $"\"{c.Ipvs.ExcludeCIDRs[i]}\" is not a CIDR");
            }
            // Older upstream checks this too; this proxy must, since its IPVS backend asks the kernel for the scheduler by name.
            Check(c.Ipvs.Scheduler.Length == 0 || Backends.Ipvs.IpvsOptions.Schedulers.Contains(c.Ipvs.Scheduler), "ipvs.scheduler",
                $"\"{c.Ipvs.Scheduler}\" is not an IPVS scheduler ({string.Join(", ", Backends.Ipvs.IpvsOptions.Schedulers)})");
        }

        Check(c.Conntrack.MaxPerCore >= 0, "conntrack.maxPerCore", $"{c.Conntrack.MaxPerCore} must not be negative");
        Check(c.Conntrack.Min >= 0, "conntrack.min", $"{c.Conntrack.Min} must not be negative");
        NotNegative(c.Conntrack.TcpEstablishedTimeout, "conntrack.tcpEstablishedTimeout");
        NotNegative(c.Conntrack.TcpCloseWaitTimeout, "conntrack.tcpCloseWaitTimeout");
        NotNegative(c.Conntrack.UdpTimeout, "conntrack.udpTimeout");
        NotNegative(c.Conntrack.UdpStreamTimeout, "conntrack.udpStreamTimeout");
        Check(c.OomScoreAdj is >= -1000 and <= 1000, "oomScoreAdj", $"{c.OomScoreAdj} must be in [-1000, 1000]");
        Check(c.ClientConnection.Burst >= 0, "clientConnection.burst", $"{c.ClientConnection.Burst} must not be negative");
        Check(c.ConfigSyncPeriod > TimeSpan.Zero, "configSyncPeriod", $"{GoDurationFormat.Format(c.ConfigSyncPeriod)} must be greater than 0");

        Check(IPAddress.TryParse(c.BindAddress, out _), "bindAddress", $"\"{c.BindAddress}\" is not an IP address");
        // Empty: that server is off (a flag can ask for it; the file's "" is defaulted before it gets here).
        if (c.HealthzBindAddress.Length > 0)
        {
            errors.AddRange(HostPortErrors(c.HealthzBindAddress).Select(e => "healthzBindAddress: " + e));
        }
        if (c.MetricsBindAddress.Length > 0)
        {
            errors.AddRange(HostPortErrors(c.MetricsBindAddress).Select(e => "metricsBindAddress: " + e));
        }
        Check(IsPortRange(c.PortRange), "portRange", $"\"{c.PortRange}\" is not a port range such as 300-2000");
        errors.AddRange(NodePortAddressErrors(c.NodePortAddresses));
        Check(c.ShowHiddenMetricsForVersion.Length == 0 || MinorVersion().IsMatch(c.ShowHiddenMetricsForVersion), "showHiddenMetricsForVersion",
            $"\"{c.ShowHiddenMetricsForVersion}\" is not a version such as 1.31");

        Check(DetectLocalModes.Contains(c.DetectLocalMode), "detectLocalMode", $"\"{c.DetectLocalMode}\" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix");
        Check(c.DetectLocalMode != "BridgeInterface" || c.DetectLocal.BridgeInterface.Length > 0, "detectLocal.bridgeInterface", "is required when detectLocalMode is BridgeInterface");
        Check(c.DetectLocalMode != "InterfaceNamePrefix" || c.DetectLocal.InterfaceNamePrefix.Length > 0, "detectLocal.interfaceNamePrefix", "is required when detectLocalMode is InterfaceNamePrefix");
        // Upstream checks clusterCIDR only in ClusterCIDR mode; here it is checked in every mode, because the
        // masquerade rules use it whatever detectLocalMode says.
        Check(ClusterCidrError(c.ClusterCIDR) is null, "clusterCIDR", ClusterCidrError(c.ClusterCIDR) ?? "");

        Check(c.Logging.Format is "text" or "json", "logging.format", $"\"{c.Logging.Format}\" is not text or json");
        Check(c.Logging.Verbosity >= 0, "logging.verbosity", $"{c.Logging.Verbosity} must not be negative");
        Check(c.Logging.Vmodule.Count == 0 || c.Logging.Format == "text", "logging.vmodule", "is only supported with logging.format text");
        for (var i = 0; i < c.Logging.Vmodule.Count; i++)
        {
            var item = c.Logging.Vmodule[i];
            Check(item.FilePattern.Length > 0, $"logging.vmodule[{i}].filePattern", "must not be empty");
            Check(item.FilePattern.IndexOfAny(['=', ',']) < 0, $"logging.vmodule[{i}].filePattern", $"\"{item.FilePattern}\" must not contain '=' or ','");
            Check(item.Verbosity >= 0, $"logging.vmodule[{i}].verbosity", $"{item.Verbosity} must not be negative");
        }
        foreach (var (name, routing) in new[] { ("text", c.Logging.Options.Text), ("json", c.Logging.Options.Json) })
        {
            Check(Quantity().IsMatch(routing.InfoBufferSize), $"logging.options.{name}.infoBufferSize", $"\"{routing.InfoBufferSize}\" is not a quantity such as 0, 512 or 64Ki");
        }
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

    /// <summary>upstream's validateHostPort: IP:port with a port in [1, 65535]; one message per part that is wrong.</summary>
    public static IReadOnlyList<string> HostPortErrors(string value)
    {
        if (!HostPort.TrySplit(value, out var host, out var port))
        {
            return [$"\"{value}\" is not IP:port such as 0.0.0.0:10256"];
        }
        var errors = new List<string>();
        if (!IPAddress.TryParse(host, out _))
        {
            errors.Add($"\"{host}\" is not an IP address");
        }
        if (!int.TryParse(port, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
        {
            errors.Add($"\"{port}\" is not a port in [1, 65535]");
        }
        return errors;
    }

    /// <summary>upstream's validateKubeProxyNodePortAddress: CIDRs, or "primary" alone.</summary>
    private static IEnumerable<string> NodePortAddressErrors(List<string> addresses)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] == "primary")
            {
                if (addresses.Count != 1)
                {
                    yield return $"nodePortAddresses[{i}]: \"primary\" cannot be combined with CIDRs";
                }
                yield break;
            }
            if (!IPNetwork.TryParse(addresses[i], out _))
            {
                yield return $"nodePortAddresses[{i}]: \"{addresses[i]}\" is not a CIDR or \"primary\"";
            }
        }
    }

    /// <summary>apimachinery's PortRange: "", "N", "N-M" or "N+K", every port at most 65535 and the end not before the start.</summary>
    private static bool IsPortRange(string value)
    {
        value = value.Trim();
        if (value.Length == 0)
        {
            return true;
        }
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        var plus = value.IndexOf('+', StringComparison.Ordinal);
        int low, high;
        if (dash < 0 && plus < 0)
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out low))
            {
                return false;
            }
            high = low;
        }
        else if (dash >= 0 && plus < 0)
        {
            if (!int.TryParse(value[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out low)
                || !int.TryParse(value[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out high))
            {
                return false;
            }
        }
        else if (plus >= 0 && dash < 0)
        {
            if (!int.TryParse(value[..plus], NumberStyles.None, CultureInfo.InvariantCulture, out low)
                || !int.TryParse(value[(plus + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return false;
            }
            high = low + offset;
        }
        else
        {
            return false;
        }
        return low <= 65535 && high <= 65535 && high >= low;
    }

    [GeneratedRegex(@"^\d+\.\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex MinorVersion();

    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Quantity();
}
