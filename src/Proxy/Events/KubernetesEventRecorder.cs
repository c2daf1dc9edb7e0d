using System.Globalization;
using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Proxy.Events;

/// <summary>
/// Records events in the cluster as upstream's kube-proxy does (client-go's events.k8s.io/v1 recorder, reporting
/// controller "kube-proxy", instance "kube-proxy-NODE"), so `kubectl describe service` and event-based alerts show
/// them. Writes happen on a background pump: <see cref="Record"/> only queues, so a slow or absent API server never
/// holds up a sync. A full queue drops the event (logged), as upstream's broadcaster does.
/// </summary>
public sealed partial class KubernetesEventRecorder : IEventRecorder, IDisposable
{
    /// <summary>upstream's reportingController; kept so filters on it keep matching after the swap.</summary>
    public const string ReportingController = "kube-proxy";

    /// <summary>Enough for a burst of failures at one sync (one per service); more than that is one problem repeated.</summary>
    private const int QueueLength = 256;

    /// <summary>The API server refuses a note longer than 1 KiB (events.k8s.io/v1 validation).</summary>
    private const int MaxNoteLength = 1024;

    /// <summary>Attempts per event: a transient API failure is ridden out, a persistent one costs little.</summary>
    private const int Attempts = 3;

    private readonly IKubernetes client;
    private readonly string reportingInstance;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Channel<Eventsv1Event> queue = Channel.CreateBounded<Eventsv1Event>(new BoundedChannelOptions(QueueLength) { SingleReader = true });
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;

    public KubernetesEventRecorder(IKubernetes client, string nodeName, TimeProvider time, ILogger<KubernetesEventRecorder> logger)
    {
        this.client = client;
        reportingInstance = $"{ReportingController}-{nodeName}";
        this.time = time;
        this.logger = logger;
        pump = Task.Run(() => PumpAsync(stop.Token));
    }

    public void Record(EventRegarding regarding, EventType type, string reason, string action, string note)
    {
        var item = Build(regarding, type, reason, action, note);
        if (!queue.Writer.TryWrite(item))
        {
            LogDropped(logger, reason, regarding);
        }
    }

    /// <summary>Stops the pump; events still queued are dropped (the process is going away).</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        stop.Cancel();
        // The pump ends at its next await; waiting keeps a write from outliving the client it uses.
        pump.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }

    private Eventsv1Event Build(EventRegarding regarding, EventType type, string reason, string action, string note)
    {
        var now = time.GetUtcNow();
        // upstream's name: the object's name and the time in nanoseconds, in hex; unique enough per recorder.
        var nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return new Eventsv1Event
        {
            ApiVersion = "events.k8s.io/v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                Name = $"{regarding.Name}.{nanos.ToString("x", CultureInfo.InvariantCulture)}",
                NamespaceProperty = regarding.Namespace ?? "default",
            },
            EventTime = now.UtcDateTime,
            ReportingController = ReportingController,
            ReportingInstance = reportingInstance,
            Action = action,
            Reason = reason,
            Type = type.ToString(),
            Note = note.Length <= MaxNoteLength ? note : note[..MaxNoteLength],
            Regarding = new V1ObjectReference
            {
                ApiVersion = regarding.ApiVersion,
                Kind = regarding.Kind,
                NamespaceProperty = regarding.Namespace,
                Name = regarding.Name,
            },
        };
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task WriteAsync(Eventsv1Event item, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await client.EventsV1.CreateNamespacedEventAsync(item, item.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException
                || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var status = (e as HttpOperationException)?.Response?.StatusCode;
                // A refusal (forbidden, invalid) will be refused again; only an unreachable or overloaded server is retried.
                var transient = status is null or HttpStatusCode.TooManyRequests || (int)status >= 500;
                if (!transient || attempt == Attempts)
                {
                    LogNotRecorded(logger, item.Reason, item.Regarding.Kind, item.Regarding.NamespaceProperty, item.Regarding.Name, Reason(e));
                    return;
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Reason(Exception e) => e is HttpOperationException { Response: { } response }
        ? $"{(int)response.StatusCode} {response.Content}"
        : e.Message;

    [LoggerMessage(EventId = 651, Level = LogLevel.Warning, Message = "Could not record event {Reason} on {Kind} {Namespace}/{Name}: {Why}")]
    private static partial void LogNotRecorded(ILogger logger, string reason, string kind, string? @namespace, string name, string why);

    [LoggerMessage(EventId = 652, Level = LogLevel.Warning, Message = "Dropped event {Reason} on {Regarding}: too many events waiting to be written")]
    private static partial void LogDropped(ILogger logger, string reason, EventRegarding regarding);
}
