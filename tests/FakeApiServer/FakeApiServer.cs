using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Proxy.Testing.FakeApi;

/// <summary>
/// An in-process Kubernetes API server for tests, speaking the real wire format over HTTP/1.1 for Services,
/// EndpointSlices and Nodes: list (JSON <c>…List</c> with <c>metadata.resourceVersion</c>, <c>limit</c>/<c>continue</c>,
/// label and field selectors) and <c>?watch=true</c> chunked streams of ADDED/MODIFIED/DELETED/BOOKMARK/ERROR events
/// from a resourceVersion, with <c>410 Gone</c> (as an ERROR event) for a version older than the last compaction.
/// Test hooks: drop watch connections mid-stream, stall them (open but silent, as a dead TCP connection), inject an
/// undecodable event, delay responses, go away and come back on the same address; counters of what clients asked for.
/// It also takes events.k8s.io/v1 Events (validated as the API server does, kept for tests to read, or refused on demand).
/// </summary>
public sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly Func<int, Socket> listen;
    private readonly Lock gate = new();
    private readonly Dictionary<ResourceKind, SortedDictionary<string, JsonObject>> store = ResourceKind.All.ToDictionary(k => k, _ => new SortedDictionary<string, JsonObject>(StringComparer.Ordinal));
    private readonly List<(long Version, ResourceKind Kind, string Type, JsonObject Object)> history = [];
    private readonly List<Watcher> watchers = [];
    private readonly Dictionary<ResourceKind, int> lists = ResourceKind.All.ToDictionary(k => k, _ => 0);
    private readonly Dictionary<ResourceKind, List<string?>> watchVersions = ResourceKind.All.ToDictionary(k => k, _ => new List<string?>());
    private long version = 1000;
    private int requestsReceived;
    private long compactedThrough;
    private int? failWatchesWith;
    private Socket? listener;
    private CancellationTokenSource? serving;
    private readonly List<Socket> connections = [];
    private readonly List<JsonObject> events = [];
    private int eventRequests;
    private int? failEventsWith;

    private FakeApiServer(Func<int, Socket> listen) => this.listen = listen;

    /// <summary>The address clients use, e.g. http://127.0.0.1:40123.</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every response waits this long first (a slow API server).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Starts listening; <paramref name="listen"/> binds and listens on a port (0 = any), e.g. inside a network namespace.</summary>
    public static FakeApiServer Start(Func<int, Socket>? listen = null)
    {
        var server = new FakeApiServer(listen ?? ListenOnLoopback);
        server.Serve(0);
        return server;
    }

    public static Socket ListenOnLoopback(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(64);
        return socket;
    }

    public int ListRequests(ResourceKind kind)
    {
        lock (gate)
        {
            return lists[kind];
        }
    }

    public int WatchRequests(ResourceKind kind)
    {
        lock (gate)
        {
            return watchVersions[kind].Count;
        }
    }

    /// <summary>The resourceVersion each watch of <paramref name="kind"/> asked for, in order (null when it gave none).</summary>
    public IReadOnlyList<string?> WatchVersions(ResourceKind kind)
    {
        lock (gate)
        {
            return [.. watchVersions[kind]];
        }
    }

    /// <summary>Every request read so far, counted before <see cref="ResponseDelay"/>: a test sees a client retry while responses are slow.</summary>
    public int RequestsReceived => Volatile.Read(ref requestsReceived);

    public string CurrentVersion
    {
        get
        {
            lock (gate)
            {
                return version.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Creates or replaces an object (ADDED or MODIFIED), giving it a new resourceVersion.</summary>
    public void Apply<T>(T item)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var kind = KindOf(item.Kind ?? typeof(T).Name[2..]);
        var json = JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
        json["kind"] = kind.Kind;
        json["apiVersion"] = kind.ApiVersion;
        lock (gate)
        {
            var key = Key(json);
            var type = store[kind].ContainsKey(key) ? "MODIFIED" : "ADDED";
            json["metadata"]!["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
            store[kind][key] = json;
            Publish(kind, type, json);
        }
    }

    public void Delete(ResourceKind kind, string? ns, string name)
    {
        lock (gate)
        {
            var key = $"{ns}/{name}";
            if (store[kind].Remove(key, out var json))
            {
                json = json.DeepClone().AsObject();
                json["metadata"]!["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
                Publish(kind, "DELETED", json);
            }
        }
    }

    public IReadOnlyList<string> Keys(ResourceKind kind)
    {
        lock (gate)
        {
            return [.. store[kind].Keys];
        }
    }

    /// <summary>namespace/name → resourceVersion of every stored object: what a client's cache must end equal to.</summary>
    public IReadOnlyDictionary<string, string> Versions(ResourceKind kind)
    {
        lock (gate)
        {
            return store[kind].ToDictionary(kv => kv.Key, kv => kv.Value["metadata"]!["resourceVersion"]!.GetValue<string>(), StringComparer.Ordinal);
        }
    }

    /// <summary>Forgets the event history: a watch from any version seen so far now gets 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            compactedThrough = version;
            history.Clear();
        }
    }

    /// <summary>Cuts every open watch connection mid-stream, without the closing chunk.</summary>
    public void DropWatches() => ToWatchers(_ => true, w => w.Events.Writer.TryWrite(null));

    /// <summary>
    /// Every open watch goes silent and stays open, as over a TCP connection that died without a FIN: no more events,
    /// no bookmarks, no closing chunk at timeoutSeconds. Watches opened afterwards are served normally.
    /// </summary>
    public void StallWatches() => ToWatchers(_ => true, w => w.Stalled = true);

    /// <summary>Every watch opened from now on gets one ERROR event with <paramref name="code"/> and ends (null: serve them again).</summary>
    public void FailWatches(int? code)
    {
        lock (gate)
        {
            failWatchesWith = code;
        }
    }

    /// <summary>Sends a line that is not a watch event to every watcher of <paramref name="kind"/>.</summary>
    public void InjectGarbage(ResourceKind kind) => ToWatchers(w => w.Kind == kind, w => w.Events.Writer.TryWrite("{\"type\":\"ADDED\",\"object\":{\"kind\":\"" + kind.Kind + "\",\"metadata\":7}}"));

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watcher.</summary>
    public void SendBookmarks()
    {
        string current;
        lock (gate)
        {
            current = version.ToString(CultureInfo.InvariantCulture);
        }
        ToWatchers(_ => true, w => w.Events.Writer.TryWrite(Event("BOOKMARK", new JsonObject
        {
            ["kind"] = w.Kind.Kind,
            ["apiVersion"] = w.Kind.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = current },
        })));
    }

    /// <summary>The events.k8s.io/v1 Events created so far, as stored (with the server's metadata), in order.</summary>
    public IReadOnlyList<JsonObject> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events.Select(e => e.DeepClone().AsObject())];
            }
        }
    }

    /// <summary>Every request to create an event, the refused ones included.</summary>
    public int EventRequests => Volatile.Read(ref eventRequests);

    /// <summary>Every event creation from now on is refused with <paramref name="code"/> (null: accept them again).</summary>
    public void FailEvents(int? code)
    {
        lock (gate)
        {
            failEventsWith = code;
        }
    }

    /// <summary>Goes away: stops listening and cuts every connection. The objects stay.</summary>
    public async Task StopAsync()
    {
        if (serving is null)
        {
            return;
        }
        await serving.CancelAsync().ConfigureAwait(false);
        serving.Dispose();
        serving = null;
        listener?.Dispose();
        listener = null;
        DropWatches();
        lock (gate)
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
            connections.Clear();
        }
    }

    /// <summary>Comes back on the same address.</summary>
    public void Restart() => Serve(Url.Port);

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void Serve(int port)
    {
        listener = listen(port);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        Url = new Uri($"http://{endpoint.Address}:{endpoint.Port}/");
        serving = new CancellationTokenSource();
        var token = serving.Token;
        var socket = listener;
        _ = Task.Run(() => AcceptLoopAsync(socket, token), token);
    }

    private async Task AcceptLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (gate)
            {
                connections.Add(client);
            }
            _ = Task.Run(() => ConnectionAsync(client, cancellationToken), cancellationToken);
        }
    }

    private async Task ConnectionAsync(Socket client, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            while (await HttpRequest.ReadAsync(stream, cancellationToken).ConfigureAwait(false) is { } request)
            {
                Interlocked.Increment(ref requestsReceived);
                if (ResponseDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ResponseDelay, cancellationToken).ConfigureAwait(false);
                }
                var kind = ResourceKind.All.FirstOrDefault(k => k.Path == request.Path);
                if (EventsPath().Match(request.Path) is { Success: true } events)
                {
                    var (code, body) = CreateEvent(request, events.Groups[1].Value);
                    await WriteAsync(stream, code, body, cancellationToken).ConfigureAwait(false);
                }
                else if (request.Method != "GET" || kind is null)
                {
                    await WriteAsync(stream, 404, Status(404, "NotFound", $"{request.Method} {request.Path} is not served by the fake"), cancellationToken).ConfigureAwait(false);
                }
                else if (request.Query["watch"] is "true" or "1")
                {
                    await WatchAsync(stream, kind, request, cancellationToken).ConfigureAwait(false);
                    return; // a watch response ends the connection
                }
                else
                {
                    await WriteAsync(stream, 200, List(kind, request), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the test cut the connection.
        }
        finally
        {
            lock (gate)
            {
                connections.Remove(client);
            }
        }
    }

    private JsonObject List(ResourceKind kind, HttpRequest request)
    {
        lock (gate)
        {
            lists[kind]++;
            var limit = int.TryParse(request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
            // The continue token is the last key returned, base64-encoded: opaque to clients, as the real one.
            var after = request.Query["continue"] is { Length: > 0 } token ? Encoding.UTF8.GetString(Convert.FromBase64String(token)) : null;
            var matching = store[kind]
                .Where(kv => after is null || string.CompareOrdinal(kv.Key, after) > 0)
                .Where(kv => Selector.Matches(kv.Value, request.Query["labelSelector"], request.Query["fieldSelector"]))
                .ToList();
            var page = matching.Take(limit).ToList();
            var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
            if (matching.Count > page.Count)
            {
                metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Key));
                metadata["remainingItemCount"] = matching.Count - page.Count;
            }
            return new JsonObject
            {
                ["kind"] = kind.ListKind,
                ["apiVersion"] = kind.ApiVersion,
                ["metadata"] = metadata,
                ["items"] = new JsonArray([.. page.Select(kv => (JsonNode)kv.Value.DeepClone())]),
            };
        }
    }

    private async Task WatchAsync(Stream stream, ResourceKind kind, HttpRequest request, CancellationToken cancellationToken)
    {
        var labels = request.Query["labelSelector"];
        var fields = request.Query["fieldSelector"];
        var from = long.TryParse(request.Query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var timeout = int.TryParse(request.Query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var watcher = new Watcher(kind, labels, fields);
        lock (gate)
        {
            watchVersions[kind].Add(request.Query["resourceVersion"]);
            if (failWatchesWith is { } code)
            {
                watcher.Events.Writer.TryWrite(Event("ERROR", Status(code, "InternalError", "the fake API server fails every watch")));
                watcher.Events.Writer.TryComplete();
            }
            else if (from < compactedThrough)
            {
                watcher.Events.Writer.TryWrite(Event("ERROR", Status(410, "Expired", $"too old resource version: {from} ({compactedThrough})")));
                watcher.Events.Writer.TryComplete();
            }
            else
            {
                foreach (var past in history.Where(h => h.Kind == kind && h.Version > from && Selector.Matches(h.Object, labels, fields)))
                {
                    watcher.Events.Writer.TryWrite(Event(past.Type, past.Object));
                }
                watchers.Add(watcher);
            }
        }

        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var until = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        until.CancelAfter(timeout);
        try
        {
            await foreach (var line in watcher.Events.Reader.ReadAllAsync(until.Token).ConfigureAwait(false))
            {
                if (watcher.Stalled)
                {
                    await HoldAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (line is null)
                {
                    return; // dropped: no closing chunk, the client sees a cut stream
                }
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (watcher.Stalled)
            {
                await HoldAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false); // timeoutSeconds reached
        }
        finally
        {
            lock (gate)
            {
                watchers.Remove(watcher);
            }
        }
    }

    /// <summary>A stalled watch: the connection stays open and silent until the server stops.</summary>
    private static Task HoldAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);

    private void Publish(ResourceKind kind, string type, JsonObject json)
    {
        history.Add((version, kind, type, json));
        foreach (var watcher in watchers.Where(w => w.Kind == kind && Selector.Matches(json, w.Labels, w.Fields)))
        {
            watcher.Events.Writer.TryWrite(Event(type, json));
        }
    }

    private void ToWatchers(Func<Watcher, bool> which, Action<Watcher> action)
    {
        lock (gate)
        {
            foreach (var watcher in watchers.Where(which))
            {
                action(watcher);
            }
        }
    }

    private static async Task WriteAsync(Stream stream, int code, JsonObject body, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var reason = code switch
        {
            200 => "OK",
            201 => "Created",
            _ => "Error",
        };
        var head = $"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// POST of an events.k8s.io/v1 Event, checked as the API server's validation does (the fields it requires, their
    /// limits, the namespaces agreeing); 201 with the stored object, 422 listing what is wrong.
    /// </summary>
    private (int Code, JsonObject Body) CreateEvent(HttpRequest request, string ns)
    {
        Interlocked.Increment(ref eventRequests);
        if (request.Method != "POST")
        {
            return (405, Status(405, "MethodNotAllowed", $"{request.Method} on events is not served by the fake"));
        }
        lock (gate)
        {
            if (failEventsWith is { } code)
            {
                return (code, Status(code, "InternalError", "the fake API server refuses every event"));
            }
        }
        JsonObject item;
        try
        {
            item = JsonNode.Parse(request.Body)?.AsObject() ?? throw new System.Text.Json.JsonException("null");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return (400, Status(400, "BadRequest", $"the body is not a JSON object: {e.Message}"));
        }
        var problems = EventProblems(item, ns);
        if (problems.Count > 0)
        {
            return (422, Status(422, "Invalid", $"Event is invalid: {string.Join("; ", problems)}"));
        }
        lock (gate)
        {
            item["metadata"]!["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
            item["metadata"]!["uid"] = Guid.NewGuid().ToString();
            item["metadata"]!["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            events.Add(item);
            return (201, item.DeepClone().AsObject());
        }
    }

    private static List<string> EventProblems(JsonObject item, string ns)
    {
        string? Text(params string[] path)
        {
            JsonNode? node = item;
            foreach (var step in path)
            {
                node = node?[step];
            }
            return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        }
        var problems = new List<string>();
        void Require(string field, string? value, int max)
        {
            if (string.IsNullOrEmpty(value))
            {
                problems.Add($"{field}: Required value");
            }
            else if (value.Length > max)
            {
                problems.Add($"{field}: Too long: may not be more than {max} bytes");
            }
        }
        if (Text("apiVersion") != "events.k8s.io/v1" || Text("kind") != "Event")
        {
            problems.Add($"apiVersion/kind: {Text("apiVersion")}/{Text("kind")} is not events.k8s.io/v1 Event");
        }
        Require("metadata.name", Text("metadata", "name"), 253);
        if (Text("metadata", "namespace") is { } own && own != ns)
        {
            problems.Add($"metadata.namespace: the namespace of the object ({own}) does not match the namespace on the request ({ns})");
        }
        if (Text("regarding", "namespace") is { Length: > 0 } regarding && regarding != ns)
        {
            problems.Add($"regarding.namespace: Invalid value: \"{regarding}\": does not match event.namespace");
        }
        Require("eventTime", Text("eventTime"), 64);
        Require("reportingController", Text("reportingController"), 253);
        Require("reportingInstance", Text("reportingInstance"), 128);
        Require("action", Text("action"), 128);
        Require("reason", Text("reason"), 128);
        if (Text("type") is not ("Normal" or "Warning"))
        {
            problems.Add($"type: Unsupported value: \"{Text("type")}\": supported values: \"Normal\", \"Warning\"");
        }
        if (Encoding.UTF8.GetByteCount(Text("note") ?? "") > 1024)
        {
            problems.Add("note: Too long: may not be more than 1024 bytes");
        }
        return problems;
    }

    private static string Event(string type, JsonObject item) =>
        new JsonObject { ["type"] = type, ["object"] = item.DeepClone() }.ToJsonString();

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static string Key(JsonObject json) => $"{json["metadata"]?["namespace"]?.GetValue<string>()}/{json["metadata"]?["name"]?.GetValue<string>()}";

    private static ResourceKind KindOf(string kind) =>
        ResourceKind.All.FirstOrDefault(k => k.Kind == kind) ?? throw new NotSupportedException($"the fake does not serve {kind}");

    /// <summary>Where events.k8s.io/v1 Events of a namespace are created.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^/apis/events.k8s.io/v1/namespaces/([^/]+)/events$")]
    private static partial System.Text.RegularExpressions.Regex EventsPath();

    /// <summary>One open watch: its filter and the lines to send (null = cut the connection); once stalled it sends nothing more.</summary>
    private sealed record Watcher(ResourceKind Kind, string? Labels, string? Fields)
    {
        public Channel<string?> Events { get; } = Channel.CreateUnbounded<string?>();

        public volatile bool Stalled;
    }
}
