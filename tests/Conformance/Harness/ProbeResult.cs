namespace Proxy.Conformance.Tests.Harness;

/// <summary>How one connection attempt ended: answered (by which pod, seeing which source), refused at once, or silent.</summary>
public sealed record ProbeResult(ProbeOutcome Outcome, string? Pod, string? SourceSeen, TimeSpan Elapsed, string Detail)
{
    public override string ToString() => Outcome == ProbeOutcome.Answered
        ? $"answered by {Pod} (saw {SourceSeen}) in {Elapsed.TotalMilliseconds:F0} ms"
        : $"{Outcome} after {Elapsed.TotalMilliseconds:F0} ms: {Detail}";
}

public enum ProbeOutcome
{
    Answered,
    Refused,
    TimedOut,
}
