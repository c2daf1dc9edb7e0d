using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Proxy.Cli;
using Proxy.Core.Exec;
using Proxy.Exec;
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
        if (!options.Cleanup && options.ManifestsDirectory is null)
        {
            await stderr.WriteLineAsync("kube-proxy-sharp: no source of Services: give --manifests DIR (see --help)").ConfigureAwait(false);
            return ExitUsage;
        }

        using var loggerFactory = CreateLoggerFactory(options.Verbosity);
        var logger = loggerFactory.CreateLogger("kube-proxy-sharp");
        ICommandRunner runner = new ProcessCommandRunner();
        if (options.DryRun)
        {
            runner = new DryRunCommandRunner(runner, stdout);
        }
        var backend = BackendFactory.Create(options, runner, loggerFactory);

        if (options.Cleanup)
        {
            try
            {
                await backend.CleanupAsync(cancellationToken).ConfigureAwait(false);
                LogCleanedUp(logger, backend.Mode);
                return ExitOk;
            }
            catch (Exception e) when (e is Core.Backends.ProxySyncException or CommandNotFoundException)
            {
                LogCleanupFailed(logger, e.Message);
                return ExitFailed;
            }
        }

        var nodeName = options.HostnameOverride is { Length: > 0 } name ? name : Environment.MachineName.ToLowerInvariant();
        var source = new ManifestDirectory(options.ManifestsDirectory!);
        var daemon = new ProxyDaemon(
            source,
            backend,
            nodeName,
            new ReconcileOptions(options.MasqueradeAll, options.ClusterCidrs),
            TimeProvider.System,
            loggerFactory.CreateLogger<ProxyDaemon>());

        if (options.Once)
        {
            return await daemon.SyncAsync(full: true, cancellationToken).ConfigureAwait(false) ? ExitOk : ExitFailed;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM (kubelet stopping the pod) and SIGINT end the loop and leave the rules as they are:
        // a restarted proxy must find them intact.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var runnerLoop = new SyncRunner(daemon.SyncAsync, options.MinSyncPeriod, options.SyncPeriod, options.SyncPeriod, TimeProvider.System);
        using var watch = Directory.Exists(source.Path) ? source.Watch(runnerLoop.Request) : null;
        LogStarted(logger, backend.Mode, nodeName, source.Path);
        await runnerLoop.RunAsync(stop.Token).ConfigureAwait(false);
        LogStopped(logger);
        return ExitOk;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static ILoggerFactory CreateLoggerFactory(int verbosity) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbosity switch
        {
            >= 5 => LogLevel.Trace,
            >= 2 => LogLevel.Debug,
            _ => LogLevel.Information,
        });
        // Logs go to stderr: stdout carries only what the user asked for (--dry-run payloads, --help).
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    });

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Started in {Mode} mode as node {NodeName}, reading manifests from {Directory}")]
    private static partial void LogStarted(ILogger logger, string mode, string nodeName, string directory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stopped; the rules stay in place")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Removed every {Mode} rule and chain this proxy owns")]
    private static partial void LogCleanedUp(ILogger logger, string mode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Cleanup failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string reason);
}
