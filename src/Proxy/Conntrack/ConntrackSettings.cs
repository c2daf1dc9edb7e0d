using System.Globalization;
using Microsoft.Extensions.Logging;
using Proxy.Configuration;
using Proxy.Core.Host;

namespace Proxy.Conntrack;

/// <summary>
/// The conntrack settings upstream applies as it starts (pkg/proxy/conntrack/sysctls.go, SetSysctls, from
/// platformSetup), with its rules:
/// <list type="bullet">
/// <item>nf_conntrack_max = max(maxPerCore × CPUs, min), capped at 1,048,576 as in upstream's newest release, written
/// whenever it differs from the kernel's (so it can also lower it); maxPerCore 0 leaves it, and min, alone;</item>
/// <item>then the hash size is raised to max / 4 when it is smaller, and never lowered;</item>
/// <item>each timeout only when it is non-zero (tcpEstablishedTimeout, tcpCloseWaitTimeout, udpTimeout,
/// udpStreamTimeout, in whole seconds); tcp_be_liberal only ever to 1.</item>
/// </list>
/// One call at start, before the backend is made (iptables mode reads tcp_be_liberal to leave out its INVALID-drop
/// rule), and the same call serves --init-only. Unlike upstream's newest release, a setting the kernel will not take
/// does not stop the start: it is logged and returned. nf_conntrack_max and the hash size are the host's, read-only
/// from any other network namespace (the kernel makes them 0444 there), where a proxy under test, or in a nested
/// setup, still has to run; upstream before 1.29 likewise went on with an event when /sys was read-only.
/// </summary>
public sealed partial class ConntrackSettings(ISysctl sysctl, IConntrackHashSize hashSize, int cpus, ILogger logger, bool dryRun = false)
{
    /// <summary>How the log lines begin: a dry run's sysctl and hash size only print what they would write.</summary>
    private string Action => dryRun ? "Dry run: would set" : "Setting";

    /// <summary>The largest nf_conntrack_max set from maxPerCore and min (upstream's newest release).</summary>
    public const int MaxCap = 1_048_576;

    public const string MaxPath = "net/netfilter/nf_conntrack_max";
    public const string TcpEstablishedTimeoutPath = "net/netfilter/nf_conntrack_tcp_timeout_established";
    public const string TcpCloseWaitTimeoutPath = "net/netfilter/nf_conntrack_tcp_timeout_close_wait";
    public const string TcpBeLiberalPath = "net/netfilter/nf_conntrack_tcp_be_liberal";
    public const string UdpTimeoutPath = "net/netfilter/nf_conntrack_udp_timeout";
    public const string UdpStreamTimeoutPath = "net/netfilter/nf_conntrack_udp_timeout_stream";

    /// <summary>The nf_conntrack_max <paramref name="config"/> asks for on a host with <paramref name="cpus"/> CPUs, or 0: leave it as it is.</summary>
    public static int Max(ConntrackConfiguration config, int cpus) =>
        config.MaxPerCore <= 0 ? 0 : (int)Math.Min(Math.Max((long)config.MaxPerCore * cpus, config.Min), MaxCap);

    /// <summary>
    /// Whether conntrack is liberal with out-of-window TCP packets, as configured or as the kernel already is: then
    /// they are not INVALID, and iptables mode installs no rule dropping INVALID packets (upstream reads the sysctl
    /// when it makes the proxier, after the settings are applied).
    /// </summary>
    public static bool TcpLiberal(ConntrackConfiguration config, ISysctl sysctl) =>
        config.TcpBeLiberal || sysctl.Get(TcpBeLiberalPath) is { } value && value != "0";

    /// <summary>Applies <paramref name="config"/>; returns what could not be applied (each one already logged), empty when all went in.</summary>
    public IReadOnlyList<string> Apply(ConntrackConfiguration config)
    {
        var failures = new List<string>();
        if (Max(config, cpus) is > 0 and var max)
        {
            LogMax(logger, Action, max, config.MaxPerCore, cpus, config.Min);
            if (Set(MaxPath, max, failures))
            {
                RaiseHashSize(max / 4, failures);
            }
        }
        SetTimeout(TcpEstablishedTimeoutPath, config.TcpEstablishedTimeout, failures);
        SetTimeout(TcpCloseWaitTimeoutPath, config.TcpCloseWaitTimeout, failures);
        if (config.TcpBeLiberal)
        {
            Set(TcpBeLiberalPath, 1, failures);
        }
        SetTimeout(UdpTimeoutPath, config.UdpTimeout, failures);
        SetTimeout(UdpStreamTimeoutPath, config.UdpStreamTimeout, failures);
        return failures;
    }

    private void SetTimeout(string path, TimeSpan timeout, List<string> failures)
    {
        if (timeout > TimeSpan.Zero)
        {
            // Whole seconds, truncated, as upstream's int(d / time.Second).
            Set(path, (int)(timeout.Ticks / TimeSpan.TicksPerSecond), failures);
        }
    }

    /// <summary>Writes <paramref name="value"/> when the kernel has another; false (logged, recorded) when it cannot.</summary>
    private bool Set(string path, int value, List<string> failures)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        var current = sysctl.Get(path);
        if (current == text)
        {
            return true;
        }
        if (current is null)
        {
            return Failed($"{path} does not exist (is nf_conntrack loaded?)", failures);
        }
        try
        {
            LogSet(logger, Action, path, text, current);
            sysctl.Set(path, text);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Failed($"cannot set {path} to {text} (it is {current}): {e.Message}", failures);
        }
    }

    private void RaiseHashSize(int buckets, List<string> failures)
    {
        if (hashSize.Get() is not { } current)
        {
            Failed("cannot read the conntrack hash size (is nf_conntrack loaded?)", failures);
            return;
        }
        if (current >= buckets)
        {
            return;
        }
        try
        {
            LogHashSize(logger, Action, buckets, current);
            hashSize.Set(buckets);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            Failed($"cannot raise the conntrack hash size from {current} to {buckets}: {e.Message}", failures);
        }
    }

    private bool Failed(string problem, List<string> failures)
    {
        LogNotApplied(logger, problem);
        failures.Add(problem);
        return false;
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "{Action} nf_conntrack_max to {Max} (max(maxPerCore {PerCore} × {Cpus} CPUs, min {Min}), at most 1048576)")]
    private static partial void LogMax(ILogger logger, string action, int max, int perCore, int cpus, int min);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "{Action} sysctl {Path} to {Value} (it is {Previous})")]
    private static partial void LogSet(ILogger logger, string action, string path, string value, string previous);

    [LoggerMessage(EventId = 712, Level = LogLevel.Information, Message = "{Action} the conntrack hash size to {Buckets} (it is {Previous})")]
    private static partial void LogHashSize(ILogger logger, string action, int buckets, int previous);

    [LoggerMessage(EventId = 713, Level = LogLevel.Warning, Message = "Conntrack setting not applied, going on with the kernel's: {Problem}")]
    private static partial void LogNotApplied(ILogger logger, string problem);
}
