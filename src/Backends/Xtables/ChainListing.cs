namespace Proxy.Backends.Xtables;

/// <summary>
/// What <c>iptables -S CHAIN</c> found: the chain's rules as iptables-save spells them, or that the chain is not there,
/// or that iptables could not tell because another process held the xtables lock past our wait.
/// </summary>
public sealed record ChainListing(IReadOnlyList<string>? Rules, bool WasBusy = false)
{
    public static ChainListing Missing { get; } = new(Rules: null);

    public static ChainListing Busy { get; } = new(Rules: null, WasBusy: true);

    public bool Exists => Rules is not null;

    /// <summary>True when the chain exists and holds exactly <paramref name="expected"/>, in order.</summary>
    public bool Holds(IReadOnlyList<string> expected) => Rules is { } rules && rules.SequenceEqual(expected, StringComparer.Ordinal);
}
