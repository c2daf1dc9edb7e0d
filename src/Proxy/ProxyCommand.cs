using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Proxy.Backends.Iptables;
using Proxy.Cli;
using Proxy.Configuration;
using Proxy.Core.Exec;
using k8s;
using k8s.Exceptions;
using Proxy.Events;
using Proxy.Exec;
using Proxy.HealthChecks;
using Proxy.Host;
using Proxy.Kubernetes;
using Proxy.Observability;
using Prometheus;
using Proxy.Reconciling;
using Proxy.Sources;
using Proxy.Syncing;

namespace Proxy;

/// <summary>
/// The kube-proxy-sharp command: parse flags, pick the backend, then --cleanup, --once or run until SIGTERM.
/// Exit codes: 0 done, 1 the work failed, 2 bad command line.
/// </summary>
public static partial class ProxyCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (options, error) = Flags.Parse(args);
        if (options is null)
        {
            await stderr.WriteLineAsync($"kube-proxy-sharp: {error}").ConfigureAwait(false);
            return ExitUsage;
        }
        if (options.Help)
        {
            await stdout.WriteAsync(Flags.HelpText()).ConfigureAwait(false);
            return ExitOk;
        }
        if (options.WriteConfigTo is { } output)
        {
            try
            {
                await File.WriteAllTextAsync(output, ConfigurationWriter.Write(options.Config), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A missing folder, a read-only file system: say which file, as upstream's writeConfigFile error does.
                await stderr.WriteLineAsync($"kube-proxy-sharp: cannot write --write-config-to {output}: {e.Message}").ConfigureAwait(false);
                return ExitFailed;
            }
            return ExitOk;
        }
        if (options.ManifestsDirectory is not null && (options.Kubeconfig is not null || options.Master is not null))
        {
            await stderr.WriteLineAsync("kube-proxy-sharp: --manifests reads Services from files; it cannot be combined with --kubeconfig or --master").ConfigureAwait(false);
            return ExitUsage;
        }
        var (nodeName, nodeNameError) = NodeName.Resolve(options.HostnameOverride);
        if (nodeName is null)
        {
            await stderr.WriteLineAsync($"kube-proxy-sharp: {nodeNameError}").ConfigureAwait(false);
            return ExitUsage;
        }
        KubernetesClientConfiguration? cluster = null;
        if (!options.Cleanup && options.ManifestsDirectory is null)
        {
            try
            {
                cluster = KubernetesConnection.Configure(options.Kubeconfig, options.Master);
            }
            catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
            {
                await stderr.WriteLineAsync($"kube-proxy-sharp: cannot use --kubeconfig {options.Kubeconfig}: {e.Message}").ConfigureAwait(false);
                return ExitUsage;
            }
            if (cluster is null)
            {
                await stderr.WriteLineAsync("kube-proxy-sharp: no cluster to read Services from: give --kubeconfig PATH or --master URL, run in a pod "
                    + "(in-cluster service account), or read manifests offline with --manifests DIR").ConfigureAwait(false);
                return ExitUsage;
            }
        }

        using var loggerFactory = CreateLoggerFactory(options.Verbosity, options.Config.Logging.Format);
        var logger = loggerFactory.CreateLogger("kube-proxy-sharp");
        foreach (var warning in options.ConfigWarnings)
        {
            LogConfigWarning(logger, warning);
        }
        if (!options.Cleanup)
        {
            UnsupportedSettings.LogWarnings(logger, options.Config, options.ProxyMode);
        }
        ICommandRunner runner = new ProcessCommandRunner();
        if (options.DryRun)
        {
            runner = new DryRunCommandRunner(runner, stdout);
        }
        // One iptables backend (legacy or nf_tables) for every mode and family, as upstream's image picks it.
        if (!IptablesWrapper.TryParse(Environment.GetEnvironmentVariable(IptablesWrapper.Variable), out var iptablesBackend))
        {
            await stderr.WriteLineAsync($"kube-proxy-sharp: {IptablesWrapper.Variable} must be auto, nft or legacy").ConfigureAwait(false);
            return ExitUsage;
        }
        runner = new IptablesWrapper(runner, iptablesBackend, loggerFactory.CreateLogger<IptablesWrapper>());
        var dryRunOutput = options.DryRun ? stdout : null;
        var backend = BackendFactory.Create(options, runner, loggerFactory, dryRunOutput);

        if (options.Cleanup)
        {
            try
            {
                // Every mode's leftovers, not just the selected one's: switching modes must leave nothing behind.
                foreach (var owner in BackendFactory.CreateAll(options, runner, loggerFactory, dryRunOutput))
                {
                    await owner.CleanupAsync(cancellationToken).ConfigureAwait(false);
                    LogCleanedUp(logger, owner.Mode);
                }
                return ExitOk;
            }
            catch (Exception e) when (e is Core.Backends.ProxySyncException or CommandNotFoundException)
            {
                LogCleanupFailed(logger, e.Message);
                return ExitFailed;
            }
        }

        var tracker = new ChangeTracker(TimeProvider.System);
        using var client = cluster is null ? null : new k8s.Kubernetes(cluster);
        IClusterSource source = client is null
            ? new ManifestDirectory(options.ManifestsDirectory!, tracker)
            : KubernetesSource.Create(client, nodeName, tracker, TimeProvider.System, loggerFactory);
        using var disposeSource = source as IDisposable;
        var metrics = new ProxyMetrics();
        // upstream's health timeout: a queued change not synced within two sync periods means trouble.
        var health = new ProxierHealth(2 * options.SyncPeriod, TimeProvider.System);
        // Only for the daemon, as the status servers: --dry-run changes nothing, --once is not left running.
        var serving = !options.Once && !options.DryRun;
        using var events = serving && client is not null
            ? new KubernetesEventRecorder(client, nodeName, TimeProvider.System, loggerFactory.CreateLogger<KubernetesEventRecorder>())
            : null;
        // upstream's service health checks report the proxier's health (livez's), not the node's eligibility.
        using var healthChecks = serving
            ? new ServiceHealthServers(nodeName, () => health.Report(includeNode: false).Healthy,
                (IEventRecorder?)events ?? new LoggingEventRecorder(loggerFactory.CreateLogger<LoggingEventRecorder>()),
                TimeProvider.System, loggerFactory.CreateLogger<ServiceHealthServers>())
            : null;

        var daemon = new ProxyDaemon(
            source,
            tracker,
            backend,
            new NodeSettings(nodeName, options.BindAddress, LocalAddresses.Read),
            options.ReconcileOptions,
            metrics,
            health,
            TimeProvider.System,
            loggerFactory.CreateLogger<ProxyDaemon>(),
            // With --dry-run these only print what they would remove, as the sync prints what it would apply: a dry run
            // shows everything a real start would do to this node, and changes none of it.
            BackendFactory.CreateLeftovers(options, runner, loggerFactory, dryRunOutput),
            healthChecks);
        daemon.Queued(); // the first sync is owed from the start
        source.Changed += daemon.Queued;
        using var servers = new StatusServers();
        if (serving)
        {
            // Only for the daemon, as upstream's ProxyServer.Run: --dry-run changes nothing, --once is not left running.
            if (OomScoreAdjuster.Apply(options.Config.OomScoreAdj) is { } why)
            {
                LogOomScoreAdjFailed(logger, options.Config.OomScoreAdj, why);
            }
            try
            {
                servers.Start(options, metrics, health, loggerFactory.CreateLogger<StatusServer>());
            }
            catch (HttpListenerException e)
            {
                LogCannotServe(logger, e.Message);
                return ExitFailed;
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM (kubelet stopping the pod) and SIGINT end the loop and leave the rules as they are:
        // a restarted proxy must find them intact.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var runnerLoop = new SyncRunner(daemon.SyncAsync, options.MinSyncPeriod, options.SyncPeriod, options.SyncPeriod, TimeProvider.System);
        source.Changed += runnerLoop.Request;
        LogStarted(logger, backend.Mode, nodeName, source.Description);
        try
        {
            // Nothing is synced, and so nothing flushed, before the source has a complete first view.
            await source.StartAsync(stop.Token).ConfigureAwait(false);
            if (options.Once)
            {
                return await daemon.SyncAsync(full: true, stop.Token).ConfigureAwait(false) ? ExitOk : ExitFailed;
            }
            await runnerLoop.RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM while waiting for the first view: nothing was changed.
        }
        LogStopped(logger);
        return ExitOk;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static ILoggerFactory CreateLoggerFactory(int verbosity, string format) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbosity switch
        {
            >= 5 => LogLevel.Trace,
            >= 2 => LogLevel.Debug,
            _ => LogLevel.Information,
        });
        // Logs go to stderr: stdout carries only what the user asked for (--dry-run payloads, --help).
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (format == "json")
        {
            builder.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
        }
        else
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    });

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Started in {Mode} mode as node {NodeName}, reading from {Source}")]
    private static partial void LogStarted(ILogger logger, string mode, string nodeName, string source);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stopped; the rules stay in place")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Removed every {Mode} rule and chain this proxy owns")]
    private static partial void LogCleanedUp(ILogger logger, string mode);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Cannot serve the status endpoints: {Reason}")]
    private static partial void LogCannotServe(ILogger logger, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Cannot apply oomScoreAdj {Score}: {Reason}")]
    private static partial void LogOomScoreAdjFailed(ILogger logger, int score, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "--config: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Cleanup failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string reason);
}
