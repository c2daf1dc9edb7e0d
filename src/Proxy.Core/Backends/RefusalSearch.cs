namespace Proxy.Core.Backends;

/// <summary>
/// Finds the items a kernel tool refuses when a payload made of all of them was refused, by bisection: a half that
/// the tool accepts is cleared in one probe, so k refused items among n cost about 2·k·log2(n) probes. The probes
/// are the tool's check mode (<c>iptables-restore --test</c>, <c>nft -c</c>), which changes nothing, so searching
/// never takes a working service out of the kernel. Assumes a refusal belongs to one item: two items that are only
/// refused together are both accepted here, and the sync that applies the rest then fails as before.
/// </summary>
public static class RefusalSearch
{
    /// <param name="items">The candidates, in payload order.</param>
    /// <param name="refusal">The tool's error for a payload holding exactly these items, or null when it accepts it.</param>
    /// <returns>
    /// The refused items with the tool's error for each alone, or null when even a payload with none of them is
    /// refused: then the fault is not any one item's, and nothing may be dropped for it.
    /// </returns>
    public static async Task<IReadOnlyList<(T Item, string Reason)>?> FindAsync<T>(IReadOnlyList<T> items, Func<IReadOnlyList<T>, Task<string?>> refusal)
    {
        if (await refusal([]).ConfigureAwait(false) is not null)
        {
            return null;
        }
        var found = new List<(T, string)>();
        await SearchAsync(items, known: null).ConfigureAwait(false);
        return found;

        async Task SearchAsync(IReadOnlyList<T> part, string? known)
        {
            if (part.Count == 0)
            {
                return;
            }
            var reason = known ?? await refusal(part).ConfigureAwait(false);
            if (reason is null)
            {
                return;
            }
            if (part.Count == 1)
            {
                found.Add((part[0], reason));
                return;
            }
            var half = part.Count / 2;
            await SearchAsync([.. part.Take(half)], known: null).ConfigureAwait(false);
            await SearchAsync([.. part.Skip(half)], known: null).ConfigureAwait(false);
        }
    }
}
