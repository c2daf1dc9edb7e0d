using Proxy.Backends.Xtables;
using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Backends.Ipvs.Rules;
using Proxy.Core.Backends;
using Proxy.Core.Exec;
using Proxy.Core.Model;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs;

/// <summary>--cleanup: our virtual servers, kube-ipvs0, our chains and our ipsets, and nothing else.</summary>
public sealed partial class IpvsBackend
{
    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        applied.Forget();
        try
        {
            await CleanupAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NetlinkException e)
        {
            throw new ProxySyncException($"IPVS cleanup failed: {e.Message}", e);
        }
    }

    private async Task CleanupAllAsync(CancellationToken cancellationToken)
    {
        var sets = await ReadSetsIfAnyAsync(cancellationToken).ConfigureAwait(false);
        var index = links.FindLink(DummyDevice);
        if (TryIpvs() is { } kernelIpvs)
        {
            var ours = new List<IpvsOperation>();
            foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
            {
                var addresses = links.GetAddresses(family);
                var bound = addresses.Where(a => a.LinkIndex == index).Select(a => a.Address).ToHashSet();
                // Every other address, loopback included: whatever our node ports ever sat on goes.
                var nodeAddresses = addresses.Where(a => a.LinkIndex != index).Select(a => a.Address).ToHashSet();
                // The node ports our sets record: the kernel's memory of which ones we made.
                var nodePorts = IpsetContents.NodePorts(family, sets);
                ours.AddRange(kernelIpvs.GetServices()
                    .Where(s => s.Address.AddressFamily == family.ToAddressFamily() && Owns(s, bound, nodeAddresses, nodePorts))
                    .Select(s => new IpvsOperation(IpvsOperationKind.DeleteService, s)));
            }
            if (ours.Count > 0)
            {
                kernelIpvs.Apply(ours);
            }
        }
        if (index is { } dummy)
        {
            links.DeleteLink(dummy);
        }
        await IptablesTools.CleanupAsync(runner, IpvsRules.Cleanup, cancellationToken).ConfigureAwait(false);
        // Sets last: the kernel refuses to destroy a set an iptables rule still matches on.
        var destroy = IpsetNames.All().Where(sets.ContainsKey).ToList();
        if (destroy.Count > 0)
        {
            await IpsetCommands.RestoreAsync(runner, IpsetRestore.Destroy(destroy), partial: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The kernel's sets, or none when ipset is not installed (then no set of ours can exist either).</summary>
    private async Task<Dictionary<string, HashSet<string>>> ReadSetsIfAnyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await IpsetCommands.ReadAsync(runner, cancellationToken).ConfigureAwait(false);
        }
        catch (ProxySyncException e) when (e.InnerException is CommandNotFoundException)
        {
            return [];
        }
    }

    /// <summary>The IPVS client, or null on a kernel without IPVS (nothing of ours can be in a table that does not exist).</summary>
    private IIpvsClient? TryIpvs()
    {
        try
        {
            return ipvs ??= ipvsFactory();
        }
        catch (NetlinkException e) when (e.Errno == NoSuchFamily)
        {
            return null;
        }
    }
}
