using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// What one sync did: whether it was full (in any family), how many service ports it programs, how many of them it
/// rewrote, how many rules it wrote, and per family what it did there (<see cref="Families"/>).
/// </summary>
public sealed record SyncResult(bool Full, int ServicePorts, int ChangedServicePorts, int RulesWritten)
{
    /// <summary>
    /// The families this sync programmed, in the order it programmed them. A family the node has no tools for and
    /// nothing to program in (no ip6tables on an IPv4-only node) is not among them: upstream runs no proxier for it.
    /// </summary>
    public EquatableArray<FamilySync> Families { get; init; } = EquatableArray<FamilySync>.Empty;
}
