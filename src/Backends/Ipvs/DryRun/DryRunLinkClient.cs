using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.DryRun;

/// <summary>--dry-run for links and addresses: reads go to the kernel, changes are printed as <c>ip</c> commands.</summary>
public sealed class DryRunLinkClient(ILinkClient inner, TextWriter output) : ILinkClient
{
    /// <summary>The index a dry run gives the dummy it would create: no real link has it (this client only handles kube-ipvs0).</summary>
    private const int PlannedIndex = -1;

    public int? FindLink(string name) => inner.FindLink(name);

    public int CreateDummy(string name)
    {
        output.WriteLine($"# ip link add {name} type dummy");
        return PlannedIndex;
    }

    public void DeleteLink(int index) => output.WriteLine($"# ip link del {IpvsBackend.DummyDevice}");

    public IReadOnlyList<LinkAddress> GetAddresses(IpFamily family) => inner.GetAddresses(family);

    public void AddAddresses(int index, IReadOnlyList<IPAddress> addresses) => Print("add", index, addresses);

    public void DeleteAddresses(int index, IReadOnlyList<IPAddress> addresses) => Print("del", index, addresses);

    private void Print(string verb, int index, IReadOnlyList<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            output.WriteLine($"# ip addr {verb} {address}/{bits} dev {IpvsBackend.DummyDevice}");
        }
    }
}
