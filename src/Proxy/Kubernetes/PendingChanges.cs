using Proxy.Core.Model;

namespace Proxy.Kubernetes;

/// <summary>
/// The changes one sync takes over: services whose Service or EndpointSlices changed, and the trigger times of
/// their slices' changes, by IP family of the slice and service.
/// </summary>
public sealed record PendingChanges(
    IReadOnlySet<string> Services,
    IReadOnlySet<string> Endpoints,
    IReadOnlyDictionary<(IpFamily Family, string Service), IReadOnlyList<DateTimeOffset>> TriggerTimes);
