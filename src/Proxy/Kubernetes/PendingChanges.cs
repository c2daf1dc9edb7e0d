namespace Proxy.Kubernetes;

/// <summary>The changes one sync takes over: services whose Service or EndpointSlices changed, and the slices' trigger times.</summary>
public sealed record PendingChanges(IReadOnlySet<string> Services, IReadOnlySet<string> Endpoints, IReadOnlyList<DateTimeOffset> TriggerTimes);
