namespace Proxy.Backends.Nftables;

/// <summary>
/// Applies a partial sync that only adds and deletes elements without nft: nft 1.0.6 dumps the whole table into its
/// cache before it sends anything (60 ms of a one-endpoint change at 10k services), while the change itself is one
/// small message. Atomic as <c>nft -f</c>: the kernel applies the whole transaction or none of it.
/// </summary>
public interface INftElementWriter
{
    /// <summary>
    /// Applies <paramref name="transaction"/>, or returns false, having changed nothing, when it holds anything it
    /// cannot write exactly as nft would (then nft must).
    /// </summary>
    /// <param name="setOf">The definition of a set of the transaction's table, by name.</param>
    /// <exception cref="NftElementsRefusedException">The kernel refused the transaction (nothing of it was applied).</exception>
    Task<bool> TryApplyAsync(NftTransaction transaction, Func<string, NftSet?> setOf, CancellationToken cancellationToken);
}
