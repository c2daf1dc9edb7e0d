using System.Net;
using System.Net.Sockets;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>A stateful fake of the kernel's links and addresses, with the kernel's errors (EEXIST, EADDRNOTAVAIL) as exceptions.</summary>
internal sealed class FakeLinks : ILinkClient
{
    private readonly Dictionary<string, int> links = new(StringComparer.Ordinal) { ["lo"] = 1, ["eth0"] = 2 };
    private readonly List<LinkAddress> addresses = [new(1, IPAddress.Loopback, 8), new(1, IPAddress.IPv6Loopback, 128)];

    public void AddNodeAddress(string address) => addresses.Add(new LinkAddress(links["eth0"], IPAddress.Parse(address), 24));

    /// <summary>The addresses on <paramref name="name"/>, in address order, or null when there is no such link.</summary>
    public List<string>? AddressesOf(string name) =>
        links.TryGetValue(name, out var index) ? [.. addresses.Where(a => a.LinkIndex == index).Select(a => a.Address.ToString()).Order(StringComparer.Ordinal)] : null;

    public int? FindLink(string name) => links.TryGetValue(name, out var index) ? index : null;

    public int CreateDummy(string name)
    {
        if (links.ContainsKey(name))
        {
            throw new InvalidOperationException($"EEXIST: link {name}");
        }
        links[name] = links.Values.Max() + 1;
        return links[name];
    }

    public void DeleteLink(int index)
    {
        links.Remove(links.Single(l => l.Value == index).Key);
        addresses.RemoveAll(a => a.LinkIndex == index);
    }

    public IReadOnlyList<LinkAddress> GetAddresses(IpFamily family) =>
        [.. addresses.Where(a => a.Address.AddressFamily == (family == IpFamily.IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6))];

    public void AddAddresses(int index, IReadOnlyList<IPAddress> added)
    {
        foreach (var address in added)
        {
            if (addresses.Any(a => a.LinkIndex == index && a.Address.Equals(address)))
            {
                throw new InvalidOperationException($"EEXIST: {address}");
            }
            addresses.Add(new LinkAddress(index, address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
        }
    }

    public void DeleteAddresses(int index, IReadOnlyList<IPAddress> removed)
    {
        foreach (var address in removed)
        {
            if (addresses.RemoveAll(a => a.LinkIndex == index && a.Address.Equals(address)) == 0)
            {
                throw new InvalidOperationException($"EADDRNOTAVAIL: {address}");
            }
        }
    }
}
