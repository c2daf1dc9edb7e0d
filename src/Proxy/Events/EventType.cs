namespace Proxy.Events;

/// <summary>An event's type; the API server admits only these two.</summary>
public enum EventType
{
    Normal,
    Warning,
}
