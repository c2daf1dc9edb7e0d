using Microsoft.Extensions.Logging;

namespace Proxy.Events;

/// <summary>
/// The recorder when there is no API server to write to (--manifests): each event goes to the log, as upstream's
/// event broadcaster also logs every event it records.
/// </summary>
public sealed partial class LoggingEventRecorder(ILogger<LoggingEventRecorder> logger) : IEventRecorder
{
    public void Record(EventRegarding regarding, EventType type, string reason, string action, string note) =>
        LogEvent(logger, type == EventType.Warning ? LogLevel.Warning : LogLevel.Information, type, reason, regarding, action, note);

    [LoggerMessage(EventId = 650, Message = "Event {Type} {Reason} on {Regarding} ({Action}): {Note}")]
    private static partial void LogEvent(ILogger logger, LogLevel level, EventType type, string reason, EventRegarding regarding, string action, string note);
}
