using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Proxy.Core.Model;
using Proxy.Events;
using Proxy.Reconciling;

namespace Proxy.HealthChecks;

/// <summary>
/// upstream's ServiceHealthServer: one HTTP server per service that needs a health-check node port, listening on
/// that port at the node-port addresses (the family's wildcard when every local address is one, else each address),
/// answering load balancers whether this node has local endpoints for the service.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Per family, as upstream's per-family proxiers each run their own servers: a request is answered with the
/// count of the family of the address it arrived on, so a dual-stack pod counts once in each.</item>
/// <item>A server whose port, or whose addresses, change is closed and opened again; one whose service is gone is
/// closed. The counts of a server that stays are swapped in whole (an immutable <see cref="ServiceHealthCheck"/>),
/// so a request never sees half an update.</item>
/// <item>A port that cannot be bound (another process holds it, or an address left the node) is never fatal: whatever
/// was opened for that service is closed again, the failure is logged and recorded as upstream's
/// FailedToStartServiceHealthcheck event on the Service, once until it changes or is resolved, and it is retried at
/// every update (every sync, so at least once per sync period).</item>
/// <item>A family the kernel does not support at all (IPv6 disabled) is skipped, not a failure: there is no address
/// of it to serve.</item>
/// </list>
/// Thread-safe: <see cref="Update"/> runs on the sync loop, requests on the listeners' threads.
/// </remarks>
public sealed partial class ServiceHealthServers(
    string nodeName, Func<bool> proxyHealthy, IEventRecorder events, TimeProvider time, ILogger<ServiceHealthServers> logger) : IServiceHealthServers, IDisposable
{
    public const string FailedEventReason = "FailedToStartServiceHealthcheck";

    /// <summary>upstream's event action for a failed listen.</summary>
    public const string FailedEventAction = "Listen";

    private readonly Lock gate = new();
    private readonly Dictionary<(string Namespace, string Name), Server> servers = [];

    /// <summary>The failures already reported, by service, with the port and reason they were about.</summary>
    private readonly Dictionary<(string Namespace, string Name), (int Port, string Reason)> failures = [];

    private bool disposed;

    /// <summary>The addresses a service's server is listening on now (none when it is not open): for tests and diagnostics.</summary>
    public IReadOnlyList<IPEndPoint> Listening(string ns, string name)
    {
        lock (gate)
        {
            return servers.TryGetValue((ns, name), out var server) ? [.. server.Listeners.Select(l => l.EndPoint)] : [];
        }
    }

    public void Update(IReadOnlyList<ServiceHealthCheck> checks, IReadOnlyDictionary<IpFamily, NodePortAddresses> addresses)
    {
        var wanted = new Dictionary<(string, string), ServiceHealthCheck>();
        foreach (var check in checks)
        {
            wanted[(check.Namespace, check.Name)] = check;
        }
        var bindTo = BindAddresses(addresses);
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            foreach (var (key, server) in servers.ToList())
            {
                if (!wanted.TryGetValue(key, out var check) || check.Port != server.Port || !server.Addresses.SequenceEqual(bindTo))
                {
                    server.Dispose();
                    servers.Remove(key);
                    LogClosed(logger, key.Namespace, key.Name, server.Port);
                }
            }
            foreach (var key in failures.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
            {
                failures.Remove(key);
            }
            foreach (var (key, check) in wanted)
            {
                if (servers.TryGetValue(key, out var server))
                {
                    server.Current = check;
                }
                else
                {
                    Open(check, bindTo);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            foreach (var server in servers.Values)
            {
                server.Dispose();
            }
            servers.Clear();
        }
    }

    /// <summary>Every address to listen on, in a stable order: each family's wildcard, or its listed addresses.</summary>
    private static List<IPAddress> BindAddresses(IReadOnlyDictionary<IpFamily, NodePortAddresses> addresses) =>
    [
        .. addresses.OrderBy(a => a.Key).SelectMany(a => a.Value.AllLocal
            ? [a.Key == IpFamily.IPv4 ? IPAddress.Any : IPAddress.IPv6Any]
            : a.Value.Addresses.AsEnumerable()),
    ];

    private void Open(ServiceHealthCheck check, List<IPAddress> bindTo)
    {
        var key = (check.Namespace, check.Name);
        var server = new Server(check, bindTo);
        foreach (var address in bindTo)
        {
            var family = address.Family();
            try
            {
                server.Listeners.Add(HealthCheckListener.Open(new IPEndPoint(address, check.Port), head => Answer(server, family, head), time, logger));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressFamilyNotSupported)
            {
                LogFamilySkipped(logger, check.Namespace, check.Name, family, e.Message);
            }
            catch (SocketException e)
            {
                server.Dispose();
                Failed(check, ListenError(new IPEndPoint(address, check.Port), e));
                return;
            }
        }
        servers[key] = server;
        if (failures.Remove(key))
        {
            LogOpenedAfterFailure(logger, check.Namespace, check.Name, check.Port);
        }
        else
        {
            LogOpened(logger, check.Namespace, check.Name, check.Port, server.Listeners.Count);
        }
    }

    private void Failed(ServiceHealthCheck check, string reason)
    {
        var key = (check.Namespace, check.Name);
        if (failures.TryGetValue(key, out var reported) && reported == (check.Port, reason))
        {
            LogStillFailing(logger, check.Namespace, check.Name, check.Port, reason);
            return;
        }
        failures[key] = (check.Port, reason);
        LogFailed(logger, nodeName, check.Namespace, check.Name, check.Port, reason);
        events.Record(EventRegarding.Service(check.Namespace, check.Name), EventType.Warning, FailedEventReason, FailedEventAction,
            $"node {nodeName} failed to start healthcheck \"{check.Namespace}/{check.Name}\" on port {check.Port}: {reason}");
    }

    /// <summary>Go's wording of a failed listen (e.g. "listen tcp 0.0.0.0:30400: bind: address already in use"), which operators search for.</summary>
    private static string ListenError(IPEndPoint endpoint, SocketException e)
    {
        var op = e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable or SocketError.AccessDenied ? "bind: " : "";
        var message = e.Message.Length > 0 ? char.ToLowerInvariant(e.Message[0]) + e.Message[1..] : e.SocketErrorCode.ToString();
        return $"listen tcp {endpoint}: {op}{message}";
    }

    private byte[] Answer(Server server, IpFamily family, bool head)
    {
        var check = server.Current;
        return HealthCheckReply.For(check.Namespace, check.Name, check.LocalEndpointsOf(family), proxyHealthy(), head, time.GetUtcNow());
    }

    /// <summary>One service's server: its listeners and the counts they answer with.</summary>
    private sealed class Server(ServiceHealthCheck check, List<IPAddress> addresses) : IDisposable
    {
        private volatile ServiceHealthCheck current = check;

        public int Port { get; } = check.Port;

        public List<IPAddress> Addresses { get; } = addresses;

        public List<HealthCheckListener> Listeners { get; } = [];

        public ServiceHealthCheck Current
        {
            get => current;
            set => current = value;
        }

        public void Dispose()
        {
            foreach (var listener in Listeners)
            {
                listener.Dispose();
            }
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "Opened the health check of {Namespace}/{Name} on port {Port} ({Listeners} addresses)")]
    private static partial void LogOpened(ILogger logger, string @namespace, string name, int port, int listeners);

    [LoggerMessage(EventId = 601, Level = LogLevel.Debug, Message = "Closed the health check of {Namespace}/{Name} on port {Port}")]
    private static partial void LogClosed(ILogger logger, string @namespace, string name, int port);

    [LoggerMessage(EventId = 602, Level = LogLevel.Error, Message = "Node {NodeName} failed to start the health check of {Namespace}/{Name} on port {Port}: {Reason}; retrying at every sync")]
    private static partial void LogFailed(ILogger logger, string nodeName, string @namespace, string name, int port, string reason);

    [LoggerMessage(EventId = 603, Level = LogLevel.Debug, Message = "The health check of {Namespace}/{Name} on port {Port} still cannot start: {Reason}")]
    private static partial void LogStillFailing(ILogger logger, string @namespace, string name, int port, string reason);

    [LoggerMessage(EventId = 604, Level = LogLevel.Information, Message = "The health check of {Namespace}/{Name} is now served on port {Port}")]
    private static partial void LogOpenedAfterFailure(ILogger logger, string @namespace, string name, int port);

    [LoggerMessage(EventId = 605, Level = LogLevel.Debug, Message = "The health check of {Namespace}/{Name} does not listen in {Family}, which this kernel does not support: {Reason}")]
    private static partial void LogFamilySkipped(ILogger logger, string @namespace, string name, IpFamily family, string reason);
}
