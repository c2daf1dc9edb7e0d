using System.Net;
using System.Net.Sockets;

namespace Proxy.Core.Model;

/// <summary>Maps between the model's <see cref="IpFamily"/> and the BCL's address families.</summary>
public static class IpFamilyExtensions
{
    public static AddressFamily ToAddressFamily(this IpFamily family) =>
        family == IpFamily.IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    public static IpFamily Family(this IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? IpFamily.IPv4 : IpFamily.IPv6;

    public static IpFamily Family(this IPNetwork network) => network.BaseAddress.Family();
}
