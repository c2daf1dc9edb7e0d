using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Proxy.Kubernetes;

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> equal to the API server's view of one resource: lists (page by page),
/// then watches from the list's resourceVersion with bookmarks. A dropped watch resumes from the last
/// resourceVersion seen, without a relist; "410 Gone" (the version is too old) or an ERROR event makes it relist.
/// Failures are retried with exponential backoff and jitter, forever; an event that cannot be decoded is
/// logged and skipped.
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
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset lastFailureLog = DateTimeOffset.MinValue;
    private int suppressedFailures;

    public Informer(IListWatch<T> api, ObjectCache<T> cache, Backoff backoff, TimeProvider time, ILogger logger)
    {
        this.api = api;
        this.cache = cache;
        this.backoff = backoff;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Completes once the first list has been loaded into the cache.</summary>
    public Task Synced => synced.Task;

    /// <summary>How many lists it has made (the first one included): tests tell a resume from a relist with it.</summary>
    public int Lists { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                    backoff.Reset();
                }
                resourceVersion = await WatchAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
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
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException or System.Text.Json.JsonException)
            {
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
        string resourceVersion;
        do
        {
            var page = await api.ListAsync(next, PageSize, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            next = page.Continue;
            resourceVersion = page.ResourceVersion;
        }
        while (next is not null);

        cache.Replace(items);
        Lists++;
        LogListed(logger, api.Resource, items.Count, resourceVersion);
        synced.TrySetResult();
        return resourceVersion;
    }

    /// <summary>Watches until the stream ends; returns the version to resume from, or null to relist.</summary>
    private async Task<string?> WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var relist = false;
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status: { } status })
            {
                // An ERROR event: 410 Gone (our version was compacted away) or another server-side failure;
                // either way the stream's position is lost and only a fresh list is safe.
                LogRelist(logger, api.Resource, $"ERROR event {status.Code} {status.Reason}: {status.Message}");
                relist = true;
            }
            else
            {
                LogUndecodableEvent(logger, api.Resource, e.Message);
            }
        }

        await foreach (var (type, item) in api.WatchAsync(resourceVersion, OnError, cancellationToken).ConfigureAwait(false))
        {
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
            if (relist)
            {
                break;
            }
        }
        return relist ? null : resourceVersion;
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
}
