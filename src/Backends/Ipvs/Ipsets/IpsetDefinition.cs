using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// One ipset of IPVS mode: its name (upstream's, with <c>KUBE-6-</c> for IPv6) and its type. <c>hash:*</c> sets
/// carry the family; <c>bitmap:port</c> sets have none.
/// </summary>
public sealed record IpsetDefinition(string Name, string Type, IpFamily Family)
{
    /// <summary>The default element limit (upstream's); a set that needs more gets twice its size when it is recreated.</summary>
    public const int DefaultMaxElements = 65536;

    private bool IsBitmap => Type.StartsWith("bitmap:", StringComparison.Ordinal);

    /// <summary>The name of the set a full sync fills before swapping it in (<see cref="IpsetNames"/> keeps it within 31 characters).</summary>
    public required string StagingName { get; init; }

    public string CreateLine(string name, int elements) => IsBitmap
        ? $"create {name} {Type} range 0-65535"
        : $"create {name} {Type} family {(Family == IpFamily.IPv4 ? "inet" : "inet6")} hashsize 1024 maxelem {Math.Max(DefaultMaxElements, 2 * elements)}";
}
