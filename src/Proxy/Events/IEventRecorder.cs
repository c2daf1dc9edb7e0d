namespace Proxy.Events;

/// <summary>
/// Records a Kubernetes event about an object, as upstream's EventRecorder: best effort, never blocks the caller
/// and never throws, so a proxy that cannot reach the API server keeps proxying.
/// </summary>
public interface IEventRecorder
{
    void Record(EventRegarding regarding, EventType type, string reason, string action, string note);
}
