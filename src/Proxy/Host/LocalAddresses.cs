using System.Net;
using System.Net.NetworkInformation;

namespace Proxy.Host;

/// <summary>The addresses on this network namespace's interfaces, loopback included: what --nodeport-addresses CIDRs select from.</summary>
public static class LocalAddresses
{
    public static IReadOnlyList<IPAddress> Read()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                // A link-local IPv6 address carries its interface as scope; node ports match the address alone.
                .Select(a => a.Address.IsIPv6LinkLocal ? new IPAddress(a.Address.GetAddressBytes()) : a.Address)
                .Distinct()];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
