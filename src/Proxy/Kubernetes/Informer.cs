using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Proxy.Kubernetes;

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> equal to the API server's view of one resource: lists (page by page),
/// then watches from the list's resourceVersion with bookmarks. A dropped watch resumes from the last
/// resourceVersion seen (an event's or a bookmark's), without a relist; so does a watch that stays silent past the
/// idle timeout (a dead connection the server's own timeoutSeconds cannot end). "410 Gone" (the version is too old)
/// or an ERROR event makes it relist. Every other failure, whatever its type, is retried with exponential backoff
/// and jitter, forever, until the caller cancels; an event that cannot be decoded is logged and skipped.
/// </summary>
public sealed partial class Informer<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public const int PageSize = 500;

    private readonly IListWatch<T> api;
    private readonly ObjectCache<T> cache;
    private readonly Backoff backoff;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TimeSpan watchIdleTimeout;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset lastFailureLog = DateTimeOffset.MinValue;
    private int suppressedFailures;

    /// <summary>
    /// Where the next watch starts: the list's version, then that of every event applied and every bookmark. It lives
    /// here, not in one watch call, because a stream that breaks throws and would take a local copy with it; the
    /// resumed watch must not replay from where the broken one started. Null when only a (re)list is safe.
    /// </summary>
    private string? resourceVersion;

    /// <param name="watchIdleTimeout">
    /// How long a watch may go without any line (event, bookmark, even an undecodable one) before it is given up and
    /// resumed: longer than the server-side timeoutSeconds, which ends every healthy watch sooner.
    /// </param>
    public Informer(IListWatch<T> api, ObjectCache<T> cache, Backoff backoff, TimeProvider time, ILogger logger, TimeSpan watchIdleTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(watchIdleTimeout, TimeSpan.Zero);
        this.api = api;
        this.cache = cache;
        this.backoff = backoff;
        this.time = time;
        this.logger = logger;
        this.watchIdleTimeout = watchIdleTimeout;
    }

    /// <summary>Completes once the first list has been loaded into the cache.</summary>
    public Task Synced => synced.Task;

    /// <summary>How many lists it has made (the first one included): tests tell a resume from a relist with it.</summary>
    public int Lists { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; nothing else ends it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                }
                if (await WatchAsync(resourceVersion, cancellationToken).ConfigureAwait(false) is { } error and not (int)HttpStatusCode.Gone)
                {
                    // A server that fails every watch with an ERROR event must not get a tight loop of full lists:
                    // only 410 Gone relists at once, as client-go's reflector does. The backoff is reset by events
                    // that arrive, not by a successful list, so it grows while every watch fails.
                    await Task.Delay(backoff.Next(), time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                LogRelist(logger, api.Resource, "410 Gone");
                resourceVersion = null;
            }
            catch (Exception e)
            {
                // Not only transport errors: a client-side timeout is an OperationCanceledException that is not ours,
                // and any exception let out here would end this loop for good while the daemon kept running blind.
                ReportFailure(e);
                try
                {
                    await Task.Delay(backoff.Next(), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? next = null;
        string listVersion;
        do
        {
            var page = await api.ListAsync(next, PageSize, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            next = page.Continue;
            listVersion = page.ResourceVersion;
        }
        while (next is not null);

        cache.Replace(items);
        Lists++;
        LogListed(logger, api.Resource, items.Count, listVersion);
        synced.TrySetResult();
        return listVersion;
    }

    /// <summary>
    /// Watches from <paramref name="from"/> until the stream ends, moving <see cref="resourceVersion"/> with every
    /// event (null after an ERROR event). Returns normally when the server ends the watch or it goes idle, with the
    /// status code of the ERROR event that ended it, if one did; throws when the stream breaks.
    /// </summary>
    private async Task<int?> WatchAsync(string from, CancellationToken cancellationToken)
    {
        int? errorCode = null;
        using var idle = new CancellationTokenSource(watchIdleTimeout, time);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        void OnError(Exception e)
        {
            idle.CancelAfter(watchIdleTimeout);
            if (e is KubernetesException { Status: { } status })
            {
                // An ERROR event: 410 Gone (our version was compacted away) or another server-side failure;
                // either way the stream's position is lost and only a fresh list is safe.
                LogRelist(logger, api.Resource, $"ERROR event {status.Code} {status.Reason}: {status.Message}");
                resourceVersion = null;
                errorCode = status.Code ?? 0;
            }
            else
            {
                LogUndecodableEvent(logger, api.Resource, e.Message);
            }
        }

        try
        {
            await foreach (var (type, item) in api.WatchAsync(from, OnError, watching.Token).ConfigureAwait(false))
            {
                if (resourceVersion is null)
                {
                    break; // after an ERROR event nothing on this stream can be trusted
                }
                idle.CancelAfter(watchIdleTimeout);
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        cache.Upsert(item);
                        break;
                    case WatchEventType.Deleted:
                        cache.Delete(item);
                        break;
                }
                if (item?.Metadata?.ResourceVersion is { Length: > 0 } version)
                {
                    resourceVersion = version;
                }
                backoff.Reset();
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogWatchIdle(logger, api.Resource, watchIdleTimeout.TotalSeconds, resourceVersion ?? "(relist)");
        }
        return errorCode;
    }

    /// <summary>At most one failure line per resource every 30 s while the API server is away; the rest are counted.</summary>
    private void ReportFailure(Exception e)
    {
        var now = time.GetUtcNow();
        if (now - lastFailureLog < TimeSpan.FromSeconds(30))
        {
            suppressedFailures++;
            return;
        }
        LogApiFailure(logger, api.Resource, e.Message, suppressedFailures);
        lastFailureLog = now;
        suppressedFailures = 0;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Listed {Count} {Resource} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string resource, int count, string resourceVersion);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Relisting {Resource}: {Reason}")]
    private static partial void LogRelist(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Skipped a {Resource} watch event that cannot be decoded: {Reason}")]
    private static partial void LogUndecodableEvent(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Cannot reach the API server for {Resource} ({Reason}); keeping the current rules and retrying ({Suppressed} more failures since the last message)")]
    private static partial void LogApiFailure(ILogger logger, string resource, string reason, int suppressed);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "The {Resource} watch sent nothing for {Seconds} s, so its connection is presumed dead; watching again from resourceVersion {ResourceVersion}")]
    private static partial void LogWatchIdle(ILogger logger, string resource, double seconds, string resourceVersion);
}
