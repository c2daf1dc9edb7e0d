using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs;

/// <summary>
/// The links and addresses IPVS mode needs (the kube-ipvs0 dummy and the service addresses bound to it, and the node's
/// own addresses for node ports). The real one talks rtnetlink (<see cref="Netlink.RouteNetlinkClient"/>); tests use a
/// stateful fake.
/// </summary>
public interface ILinkClient
{
    /// <summary>The index of the link called <paramref name="name"/>, or null when there is none.</summary>
    int? FindLink(string name);

    /// <summary>Creates a dummy link, left down (as upstream: its addresses are local without it being up), and returns its index.</summary>
    int CreateDummy(string name);

    void DeleteLink(int index);

    /// <summary>Every address of <paramref name="family"/> on every link.</summary>
    IReadOnlyList<LinkAddress> GetAddresses(IpFamily family);

    /// <summary>Binds each address to the link as a host address (/32 or /128).</summary>
    void AddAddresses(int index, IReadOnlyList<IPAddress> addresses);

    void DeleteAddresses(int index, IReadOnlyList<IPAddress> addresses);
}
