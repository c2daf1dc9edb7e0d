using Microsoft.Extensions.Logging;
using Proxy.Events;

namespace Proxy.Tests.Events;

public sealed class LoggingEventRecorderTests
{
    [Theory]
    [InlineData(EventType.Warning, LogLevel.Warning)]
    [InlineData(EventType.Normal, LogLevel.Information)]
    public void AnEventIsOneLogLineAtItsTypesLevel(EventType type, LogLevel level)
    {
        var logger = new RecordingLogger<LoggingEventRecorder>();

        new LoggingEventRecorder(logger).Record(EventRegarding.Service("default", "web"), type, "FailedToStartServiceHealthcheck", "Listen", "node node-1 failed");

        var entry = Assert.Single(logger.Entries);
        Assert.Equal((level, 650), (entry.Level, entry.EventId));
        Assert.Equal($"Event {type} FailedToStartServiceHealthcheck on Service default/web (Listen): node node-1 failed", entry.Message);
    }
}
