using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Proxy.Kubernetes;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.Kubernetes;

/// <summary>The live source's informers, supervised, through the real KubernetesClient against the fake API server.</summary>
public sealed class KubernetesSourceTests : IAsyncDisposable
{
    private readonly FakeApiServer server = FakeApiServer.Start();
    private readonly CancellationTokenSource stop = new();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await server.DisposeAsync();
        stop.Dispose();
    }

    [Fact]
    public async Task AnInformerThatFaultsIsLoggedAsCritical_AndRestarted_SoTheSourceStillCompletes()
    {
        server.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" } });
        // The API server is away at start, and writing the "cannot reach" warning throws: the failure escapes the
        // informer's own retry loop, which is the kind of fault nothing but the source's supervision can catch.
        await server.StopAsync();
        var logs = new RecordingLoggerProvider(throwOnEventId: 303);
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var client = new global::k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.Url.ToString() });
        var source = KubernetesSource.Create(client, "node-1", new ChangeTracker(TimeProvider.System), TimeProvider.System, loggerFactory);

        var started = source.StartAsync(stop.Token);
        for (var i = 0; i < 200 && !logs.Any(LogLevel.Critical); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(logs.Any(LogLevel.Critical), "no critical log line for the informer that faulted");
        server.Restart();

        await started.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(source.Read().Complete);
        Assert.False(source.Running.IsCompleted, "the informers stopped");

        await stop.CancelAsync();
        await source.Running.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    /// <summary>Keeps every line's level; throws from the one event id it is told to, as a broken log sink would.</summary>
    private sealed class RecordingLoggerProvider(int throwOnEventId) : ILoggerProvider, ILogger
    {
        private readonly List<LogLevel> levels = [];

        public bool Any(LogLevel level)
        {
            lock (levels)
            {
                return levels.Contains(level);
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == throwOnEventId)
            {
                throw new InvalidOperationException("the log sink is broken");
            }
            lock (levels)
            {
                levels.Add(logLevel);
            }
        }

        public void Dispose()
        {
        }
    }
}
