using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Proxy.Observability;

/// <summary>
/// A small HTTP server for one bind address (IP:port) and a fixed set of paths, on the BCL's HttpListener.
/// 0.0.0.0 / :: mean every address, as in upstream's flags.
/// </summary>
public sealed partial class StatusServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly IReadOnlyDictionary<string, Func<Task<Response>>> routes;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stop = new();

    public StatusServer(string bindAddress, IReadOnlyDictionary<string, Func<Task<Response>>> routes, ILogger logger)
    {
        var endpoint = IPEndPoint.Parse(bindAddress);
        var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "*"
            : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        listener.Prefixes.Add($"http://{host}:{endpoint.Port}/");
        this.routes = routes;
        this.logger = logger;
    }

    public sealed record Response(int Status, string ContentType, byte[] Body)
    {
        public static Response Text(int status, string contentType, string body) => new(status, contentType, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Starts listening (throws when the address is taken) and serves until disposed.</summary>
    public void Start()
    {
        try
        {
            listener.Start();
        }
        catch (ArgumentNullException e)
        {
            // The BCL's managed HttpListener (HttpEndPointListener's constructor) accepts a connection that is already
            // waiting synchronously and locks a field it has not set yet: a scrape landing as the daemon starts would end
            // the process. As a bind failure, the caller retries in 5 s; the half-built listener's socket is released
            // when the GC finalizes it.
            throw new HttpListenerException(0, $"a connection arrived while listening started (HttpListener race: {e.Message})");
        }
        _ = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
        stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            var response = routes.TryGetValue(path, out var route)
                ? await route().ConfigureAwait(false)
                : Response.Text(404, "text/plain; charset=utf-8", "404 page not found\n");
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            await context.Response.OutputStream.WriteAsync(response.Body).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            LogRequestFailed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Debug, Message = "A status request failed: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string reason);
}
