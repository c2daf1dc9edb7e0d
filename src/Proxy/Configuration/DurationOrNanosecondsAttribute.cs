namespace Proxy.Configuration;

/// <summary>
/// Marks a duration field that, like upstream's logging.flushFrequency (TimeOrMetaDuration), also accepts a bare
/// integer number of nanoseconds: kubeadm writes <c>flushFrequency: 0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationOrNanosecondsAttribute : Attribute;
