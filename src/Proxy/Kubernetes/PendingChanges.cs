namespace Proxy.Kubernetes;

/// <summary>
/// The changes one sync takes over: services whose Service or EndpointSlices changed, and the trigger times of
/// their slices' changes, by service.
/// </summary>
public sealed record PendingChanges(
    IReadOnlySet<string> Services,
    IReadOnlySet<string> Endpoints,
    IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> TriggerTimes);
