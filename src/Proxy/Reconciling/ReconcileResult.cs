using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>The model for each IP family, plus one warning per object that was skipped or partly skipped.</summary>
public sealed record ReconcileResult(ProxyState IPv4, ProxyState IPv6, ImmutableArray<string> Warnings)
{
    public IReadOnlyList<ProxyState> States => [IPv4, IPv6];

    public ProxyState For(IpFamily family) => family == IpFamily.IPv4 ? IPv4 : IPv6;
}
