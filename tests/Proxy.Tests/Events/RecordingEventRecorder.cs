using System.Collections.Concurrent;
using Proxy.Events;

namespace Proxy.Tests.Events;

/// <summary>An <see cref="IEventRecorder"/> that keeps what it was asked to record, in order.</summary>
public sealed class RecordingEventRecorder : IEventRecorder
{
    private readonly ConcurrentQueue<Entry> recorded = new();

    public IReadOnlyList<Entry> Recorded => [.. recorded];

    public void Record(EventRegarding regarding, EventType type, string reason, string action, string note) =>
        recorded.Enqueue(new Entry(regarding, type, reason, action, note));

    public sealed record Entry(EventRegarding Regarding, EventType Type, string Reason, string Action, string Note);
}
