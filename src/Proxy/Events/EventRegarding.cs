namespace Proxy.Events;

/// <summary>The object an event is about (its <c>regarding</c> reference); the event lives in the object's namespace.</summary>
public sealed record EventRegarding(string ApiVersion, string Kind, string? Namespace, string Name)
{
    public static EventRegarding Service(string ns, string name) => new("v1", "Service", ns, name);

    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
