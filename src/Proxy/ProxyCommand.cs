using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Proxy.Backends.Iptables;
using Proxy.Cli;
using Proxy.Configuration;
using Proxy.Conntrack;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Host;
using Proxy.Netlink.Conntrack;
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
            await stdout.WriteAsync(FlagDocs.HelpText()).ConfigureAwait(false);
            return ExitOk;
        }
        var build = BuildInfo.Current(options.VersionOverride);
        if (options.PrintVersion is { } version)
        {
            await stdout.WriteLineAsync(version == "raw" ? build.Raw() : build.ToString()).ConfigureAwait(false);
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
        var (nodeName, nodeNameError) = NodeName.Resolve(options.HostnameOverride);
        if (nodeName is null)
        {
            await stderr.WriteLineAsync($"kube-proxy-sharp: {nodeNameError}").ConfigureAwait(false);
            return ExitUsage;
        }
        KubernetesClientConfiguration? cluster = null;
        if (!options.Cleanup && !options.InitOnly && options.ManifestsDirectory is null)
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
            WarnAboutRequests(logger, options);
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
        if (!options.Cleanup)
        {
            // upstream's platformSetup, before the backend is made (iptables mode reads tcp_be_liberal); --init-only
            // applies these too.
            new ConntrackSettings(BackendFactory.Sysctl(dryRunOutput), new ModuleHashSize(dryRunOutput), HostCpus.Count(), loggerFactory.CreateLogger<ConntrackSettings>(), options.DryRun)
                .Apply(options.Config.Conntrack);
        }
        INfacct nfacct = new NetlinkNfacct();
        // --cleanup makes nothing, nfacct counters included (upstream's platformCleanup does not either).
        var backend = BackendFactory.Create(options, runner, loggerFactory, dryRunOutput, options.Cleanup ? null : nfacct);

        if (options.Cleanup)
        {
            try
            {
                // Every mode's leftovers, not just the selected one's: switching modes must leave nothing behind.
                foreach (var owner in BackendFactory.CreateAll(options, runner, loggerFactory, dryRunOutput))
                {
                    await owner.CleanupAsync(cancellationToken).ConfigureAwait(false);
                    if (options.DryRun)
                    {
                        LogWouldCleanUp(logger, owner.Mode);
                    }
                    else
                    {
                        LogCleanedUp(logger, owner.Mode);
                    }
                }
                return ExitOk;
            }
            catch (Exception e) when (e is Core.Backends.ProxySyncException or CommandNotFoundException)
            {
                LogCleanupFailed(logger, e.Message);
                return ExitFailed;
            }
        }
        var nodeSettings = new NodeSettings(nodeName, options.BindAddress, LocalAddresses.Read);
        if (options.InitOnly)
        {
            return InitNode(options, backend, nodeSettings, dryRunOutput, logger);
        }

        var tracker = new ChangeTracker(TimeProvider.System);
        using var client = cluster is null ? null : new k8s.Kubernetes(cluster);
        IClusterSource source = client is null
            ? new ManifestDirectory(options.ManifestsDirectory!, tracker)
            : KubernetesSource.Create(client, nodeName, tracker, TimeProvider.System, loggerFactory);
        using var disposeSource = source as IDisposable;
        var metrics = new ProxyMetrics(backend.Metrics, build, nfacct);
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
            nodeSettings,
            options.ReconcileOptions,
            metrics,
            health,
            TimeProvider.System,
            loggerFactory.CreateLogger<ProxyDaemon>(),
            // With --dry-run these only print what they would remove, as the sync prints what it would apply: a dry run
            // shows everything a real start would do to this node, and changes none of it.
            BackendFactory.CreateLeftovers(options, runner, loggerFactory, dryRunOutput),
            healthChecks,
            dryRun: options.DryRun,
            // Not with --dry-run, which changes nothing (and needs no root, which reading the table does).
            conntrack: options.DryRun ? null : new ConntrackReconciler(new ConntrackNetlinkClient(), metrics, TimeProvider.System, loggerFactory.CreateLogger<ConntrackReconciler>()));
        health.Started(ProxyDaemon.Families);
        daemon.Queued(); // the first sync is owed from the start
        source.Changed += daemon.Queued;
        using var servers = new StatusServers();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConfigFileWatcher? watcher = null;
        var configChanged = false;
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
            if (options.ConfigFile is { } file && options.ConfigText is { } text)
            {
                // As upstream: a changed configuration file ends the process, and its restart reads the new one.
                watcher = new ConfigFileWatcher(file, text, () =>
                {
                    configChanged = true;
                    LogConfigChanged(logger, file);
                    stop.Cancel();
                });
            }
        }
        using var disposeWatcher = watcher;

        // SIGTERM (kubelet stopping the pod) and SIGINT end the loop and leave the rules as they are:
        // a restarted proxy must find them intact.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var runnerLoop = new SyncRunner(daemon.SyncAsync, daemon.DriftedAsync, options.MinSyncPeriod, options.SyncPeriod, options.SyncPeriod, TimeProvider.System);
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
        return configChanged ? ExitFailed : ExitOk;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>
    /// --init-only, as upstream's: the node-level settings the mode would apply at start (for the model it would
    /// program before seeing any Service), nothing else, then exit.
    /// </summary>
    private static int InitNode(ProxyOptions options, IProxyBackend backend, NodeSettings node, TextWriter? dryRunOutput, ILogger logger)
    {
        var states = Reconciler.Reconcile(ClusterObjects.Empty, NodeObject.Context(node, null), options.ReconcileOptions).States;
        try
        {
            foreach (var setting in NodeSetup.Apply(BackendFactory.Sysctl(dryRunOutput), NodeSetup.For(backend, states)))
            {
                LogNodeSetting(logger, setting.Path, setting.Value, setting.Why);
            }
        }
        catch (Core.Backends.ProxySyncException e)
        {
            LogInitFailed(logger, e.Message);
            return ExitFailed;
        }
        LogInitialized(logger, backend.Mode);
        return ExitOk;
    }

    /// <summary>
    /// One warning for each thing the user asked for that is not done: a field not implemented yet (by flag or file),
    /// a klog flag whose effect is not here, a configuration flag --config makes upstream ignore, a deprecated flag.
    /// Upstream's defaults never warn (item 5 of issue 12).
    /// </summary>
    private static void WarnAboutRequests(ILogger logger, ProxyOptions options)
    {
        UnsupportedSettings.LogWarnings(logger, new SettingRequest(options.Config, options.ProxyMode, options.IsGiven));
        foreach (var (flag, value, notDone) in Flags.MissingFlagEffects(options))
        {
            LogFlagNotImplemented(logger, flag, value, notDone);
        }
        foreach (var flag in options.IgnoredFlags)
        {
            LogFlagIgnored(logger, flag, options.ConfigFile!);
        }
        foreach (var flag in Flags.All.Where(f => f.Deprecated && options.GivenFlags.ContainsKey(f.Name)))
        {
            LogFlagDeprecated(logger, flag.Name, flag.Help);
        }
        if (options.ManifestsDirectory is not null && (options.Kubeconfig is not null || options.Master is not null))
        {
            LogManifestsInsteadOfCluster(logger, options.ManifestsDirectory);
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

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "--{Flag}={Value} is accepted, but not implemented yet: {NotDone}")]
    private static partial void LogFlagNotImplemented(ILogger logger, string flag, string value, string notDone);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "--{Flag} is ignored because --config {File} is given: as upstream, the file's value is used")]
    private static partial void LogFlagIgnored(ILogger logger, string flag, string file);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Flag --{Flag} has been deprecated upstream: {Help}")]
    private static partial void LogFlagDeprecated(ILogger logger, string flag, string help);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Reading Services from the manifests in {Directory}; the API server named by --kubeconfig, --master or clientConnection.kubeconfig is not used")]
    private static partial void LogManifestsInsteadOfCluster(ILogger logger, string directory);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Dry run: would remove every {Mode} rule and chain this proxy owns (printed above); nothing was changed")]
    private static partial void LogWouldCleanUp(ILogger logger, string mode);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Set {Path}={Value} ({Why})")]
    private static partial void LogNodeSetting(ILogger logger, string path, string value, string why);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Node initialized for {Mode} mode and --init-only given: exiting")]
    private static partial void LogInitialized(ILogger logger, string mode);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Node initialization failed: {Reason}")]
    private static partial void LogInitFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "The configuration file {File} changed: exiting, so that the restart reads it")]
    private static partial void LogConfigChanged(ILogger logger, string file);
}
