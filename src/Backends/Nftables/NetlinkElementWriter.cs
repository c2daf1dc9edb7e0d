using Proxy.Netlink;
using Proxy.Netlink.Nftables;

namespace Proxy.Backends.Nftables;

/// <summary>
/// <see cref="INftElementWriter"/> over NETLINK_NETFILTER: the transaction's element commands as one nfnetlink batch
/// (<see cref="NftablesMessages"/>), one datagram, an ACK per message. A socket per apply, opened by
/// <paramref name="open"/> (by default in the calling thread's network namespace, which the socket keeps).
/// </summary>
public sealed class NetlinkElementWriter(Func<NetlinkSocket>? open = null) : INftElementWriter
{
    /// <summary>
    /// The largest batch written here. A datagram must fit the socket's send buffer (net.core.wmem_default, 208 KiB by
    /// default, else EMSGSIZE); a partial sync this large is a big change, for which nft's fixed cost matters little.
    /// </summary>
    public const int MaxBatchBytes = 128 * 1024;

    /// <summary>EMSGSIZE: a datagram larger than the socket's send buffer, refused before the kernel reads any of it.</summary>
    private const int MessageTooLong = 90;

    private readonly Func<NetlinkSocket> open = open ?? (() => new NetlinkSocket(NetlinkProtocol.Netfilter));

    public Task<bool> TryApplyAsync(NftTransaction transaction, Func<string, NftSet?> setOf, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (transaction.IsEmpty || NftElementEncoder.Encode(transaction, setOf) is not { } commands)
        {
            return Task.FromResult(false);
        }
        using var socket = open();
        var (datagram, parts) = NftablesMessages.Batch(socket.NextSequence(), commands);
        // Every ACK must fit the receive buffer at once (NetlinkSocket.BatchMessages).
        if (datagram.Length > MaxBatchBytes || parts.Count > NetlinkSocket.BatchMessages)
        {
            return Task.FromResult(false);
        }
        int[] errnos;
        try
        {
            errnos = socket.ExchangeDatagram(datagram, [.. parts.Select(p => p.Sequence)]);
        }
        catch (NetlinkException e) when (e.Errno == MessageTooLong)
        {
            // The send buffer is smaller than this batch (net.core.wmem_default below MaxBatchBytes): nothing was sent.
            return Task.FromResult(false);
        }
        catch (NetlinkException e)
        {
            throw new NftElementsRefusedException($"the kernel refused the element batch: {e.Message}", e);
        }
        var refused = Array.FindIndex(errnos, e => e != 0);
        if (refused >= 0)
        {
            var command = parts[refused].Command;
            var family = command.Family == NetlinkConstants.AfInet ? "ip" : "ip6";
            var error = new NetlinkException(errnos[refused], parts[refused].Sequence);
            throw new NftElementsRefusedException(
                $"the kernel refused {(command.Add ? "add" : "delete")} element {family} {command.Table} {command.Set} (the whole batch was discarded): errno {errnos[refused]} ({NetlinkException.Describe(errnos[refused])})", error);
        }
        return Task.FromResult(true);
    }
}
